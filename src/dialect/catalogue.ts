/**
 * The field catalogue: what the filter compiler, the row codec and the SQL toolkit know of an entity's columns.
 * `src/db/catalogue.ts` derives one per entity from its TypeORM schema; nothing keeps a second list.
 */

/**
 * How a column stores its value. `json` columns hold any JSON value (SQLite `json` text, Postgres `jsonb`);
 * `datetime` columns hold instants (see `instant.ts`).
 */
export type FieldKind = "string" | "integer" | "number" | "boolean" | "datetime" | "enum" | "json";

export interface FieldSpec {
  /** The GraphQL (and entity property) name, camelCase. */
  readonly name: string;
  /** Other accepted spellings, e.g. the seed system's snake_case key (`msg_id`). */
  readonly aliases: readonly string[];
  /** The SQL column name (quoted wherever it is used). */
  readonly column: string;
  readonly kind: FieldKind;
  /** For `enum` fields: the valid names. */
  readonly enumValues?: readonly string[];
  /** False for NOT NULL columns (sort keys then need no NULLS FIRST/LAST); nullable when not said. */
  readonly nullable?: boolean;
  /**
   * A credential (a lease's lock id): read and written, never filtered on, so nobody can find its value by probing
   * (`{"lock_id": {"$regex": "^a"}}`, then "^ab" …).
   */
  readonly secret?: boolean;
}

export interface FieldCatalogue {
  /** The entity's name, used in messages ("unknown field 'x' on TaskRecord"). */
  readonly entity: string;
  readonly fields: readonly FieldSpec[];
}
