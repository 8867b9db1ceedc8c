/**
 * The filter compiler's whole view of the world: a dialect and a catalogue of fields (src/dialect). It never sees
 * ORM entities (the catalogue is derived from them in `src/db/catalogue.ts`) and never builds SQL from user text:
 * field names come from the catalogue, values travel as named parameters.
 */
import type { Dialect } from "../dialect";

export type { Dialect, FieldCatalogue, FieldKind, FieldSpec } from "../dialect";

export interface FilterLimits {
  /** Maximum nesting of logical operators and `$elemMatch`/`$not`. */
  readonly maxDepth: number;
  /** Maximum number of conditions (field tests) in one filter. */
  readonly maxNodes: number;
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = { maxDepth: 12, maxNodes: 500 };

/** Names a value as a statement parameter (`:p3`) and keeps it for the statement. */
export type Bind = (value: unknown) => string;

export interface PrepareOptions {
  readonly dialect: Dialect;
  readonly limits?: FilterLimits;
}

export interface CompileOptions extends PrepareOptions {
  /** Qualifies column references (`t."msg_id"`); none when omitted. */
  readonly tableAlias?: string;
  /**
   * Prefix of the parameter names the compiler makes up (`:f0`, `:f1` …) when the filter is compiled on its own.
   * Statements never use it: they hand the compiler their parameter collector (`PreparedFilter.toSql`).
   */
  readonly paramPrefix?: string;
}

/** One SQL boolean expression with TypeORM-style named parameters (`:name`). */
export interface SqlCondition {
  readonly sql: string;
  readonly params: Record<string, unknown>;
}

/**
 * A parsed and validated filter, ready to be spelled into any number of statements. `matchesEverything` is the
 * semantic emptiness rule: the filter normalises to no condition at all (`{}`, `{"$comment": …}`, `{"$and": [{}]}`,
 * `{"$or": [{}, …]}`, `{"f": {"$nin": []}}` …), whatever its keys say.
 */
export interface PreparedFilter {
  readonly matchesEverything: boolean;
  /** Known at compile time to match no record (`{"f": {"$in": []}}` …). */
  readonly matchesNothing: boolean;
  /** The condition for one statement, binding every value through `bind`. */
  toSql(bind: Bind, tableAlias?: string): string;
}
