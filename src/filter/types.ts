/**
 * The filter compiler's whole view of the world: a dialect and a catalogue of fields. It never sees ORM entities
 * (the catalogue is derived from them in `src/db/catalogue.ts`) and never builds SQL from user text: field names
 * come from the catalogue, values travel as named parameters.
 */
export type Dialect = "sqlite" | "postgres";

/**
 * How a column stores its value. `json` columns hold any JSON value (SQLite `json` text, Postgres `jsonb`);
 * `datetime` columns hold instants (SQLite: ISO-8601 UTC text `YYYY-MM-DDTHH:MM:SS.sssZ`, which sorts as
 * instants; Postgres: `timestamptz`).
 */
export type FieldKind = "string" | "integer" | "number" | "boolean" | "datetime" | "enum" | "json";

export interface FieldSpec {
  /** The GraphQL (and entity property) name, camelCase. */
  readonly name: string;
  /** Other accepted spellings, e.g. the seed system's snake_case key (`msg_id`). */
  readonly aliases: readonly string[];
  /** The SQL column name (quoted by the compiler). */
  readonly column: string;
  readonly kind: FieldKind;
  /** For `enum` fields: the valid names. */
  readonly enumValues?: readonly string[];
}

export interface FieldCatalogue {
  /** The entity's name, used in messages ("unknown field 'x' on TaskRecord"). */
  readonly entity: string;
  readonly fields: readonly FieldSpec[];
}

export interface FilterLimits {
  /** Maximum nesting of logical operators and `$elemMatch`/`$not`. */
  readonly maxDepth: number;
  /** Maximum number of conditions (field tests) in one filter. */
  readonly maxNodes: number;
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = { maxDepth: 12, maxNodes: 500 };

export interface CompileOptions {
  readonly dialect: Dialect;
  /** Qualifies column references (`t."msg_id"`); none when omitted. */
  readonly tableAlias?: string;
  /** Prefix of the generated parameter names (`:f0`, `:f1` …), so two filters can share one statement. */
  readonly paramPrefix?: string;
  readonly limits?: FilterLimits;
}

/** One SQL boolean expression with TypeORM-style named parameters (`:name`). */
export interface SqlCondition {
  readonly sql: string;
  readonly params: Record<string, unknown>;
}
