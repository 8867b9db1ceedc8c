/**
 * The filter language compiler (filter.md). Public API of `src/filter`: `prepareFilter`, `compileFilter`, the types
 * and the limits.
 *
 * Pipeline: `parse.ts` (JSON → AST, every validation; errors carry `filterPath`) → `emit.ts` (Mongo's matching
 * rules) over `sqlite.ts` / `postgres.ts` (how each database spells the primitives) → one boolean SQL expression
 * with TypeORM-style `:name` parameters. Pure: no database access, no ORM import, no user text in SQL.
 */
import {
  type Dialect,
  LruMap,
  plainJsonKey,
  SQLITE_REGEXP_FLAGS,
  SQLITE_REGEXP_FUNCTION,
  sqliteRegexpImplementation,
} from "../dialect";
import { assertNever, type FilterNode } from "./ast";
import { Emitter } from "./emit";
import { parseFilter } from "./parse";
import { PostgresColumns, PostgresJson } from "./postgres";
import { checkParamPrefix, type Frag, Params, SqlKit } from "./sql";
import { SqliteColumns, SqliteJson } from "./sqlite";
import {
  type Bind,
  type CompileOptions,
  DEFAULT_FILTER_LIMITS,
  type FieldCatalogue,
  type FilterLimits,
  type PreparedFilter,
  type PrepareOptions,
  type SqlCondition,
} from "./types";

export * from "./types";
export { MAX_PATTERN_LENGTH } from "./pattern";
export { MAX_JSON_NESTING, MAX_LITERAL_DEPTH, MAX_PATH_COMPONENTS } from "./parse";
/** The SQLite function `$regex` compiles to; the db layer registers it (src/dialect/sqlite-regexp.ts). */
export { SQLITE_REGEXP_FLAGS, SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation };

/**
 * Parses and validates a Mongo-style filter for `options.dialect` (filter.md), once; `toSql` then spells it into
 * each statement that needs it, binding its values through that statement's parameter collector.
 *
 * - Matches what MongoDB 8 `find()` would return over the same records (see `emit.ts` for the model and the
 *   dialect files for the few documented deviations).
 * - Column references are `"<column>"`, qualified with the table alias given to `toSql`.
 * - `{}` (and every filter that normalises to no condition) is `1=1` and `matchesEverything`; a filter that can
 *   match nothing may be `1=0`.
 * - Throws BAD_USER_INPUT (`extensions.filterPath`) for a bad filter and LIMIT_EXCEEDED for one deeper or larger
 *   than `options.limits` (default `DEFAULT_FILTER_LIMITS`), before building any SQL.
 * - On SQLite the connection must have `SQLITE_REGEXP_FUNCTION` registered (used by `$regex`, rarely `$glob`).
 * - A filter of plain JSON prepared before (same catalogue, dialect and limits) is not parsed again: the prepared
 *   filter is pure, and is kept (PREPARED).
 */
export function prepareFilter(filter: unknown, catalogue: FieldCatalogue, options: PrepareOptions): PreparedFilter {
  const limits = options.limits ?? DEFAULT_FILTER_LIMITS;
  const text = plainJsonKey(filter, MAX_FILTER_KEY);
  if (text === null) return prepareNew(filter, catalogue, options.dialect, limits);
  let cache = PREPARED.get(catalogue);
  if (!cache) PREPARED.set(catalogue, (cache = new LruMap(PREPARED_PER_CATALOGUE)));
  const key = `${options.dialect} ${limits.maxDepth} ${limits.maxNodes} ${text}`;
  let prepared = cache.get(key);
  if (!prepared) cache.set(key, (prepared = prepareNew(filter, catalogue, options.dialect, limits)));
  return prepared;
}

/**
 * Prepared filters by their JSON text, the most recently used per catalogue: clients and dashboards send the same few
 * filters again and again, and a prepared filter (its AST, all validation done) holds nothing of the request that
 * made it. Parsing and checking the bench's list filter again cost about 30 µs of the main thread per request (CPU
 * profile, 101-row page of 300,000 records on SQLite). A filter that fails to prepare is not kept.
 */
const PREPARED = new WeakMap<FieldCatalogue, LruMap<string, PreparedFilter>>();
const PREPARED_PER_CATALOGUE = 256;
/** Longest filter kept, in characters of its JSON text: larger ones are prepared every time. */
export const MAX_FILTER_KEY = 2048;

function prepareNew(
  filter: unknown,
  catalogue: FieldCatalogue,
  dialect: Dialect,
  limits: FilterLimits,
): PreparedFilter {
  const ast = parseFilter(filter, catalogue, limits);
  const constant = emit(ast, dialect, () => ":_", undefined).constant;
  return {
    matchesEverything: constant === true,
    matchesNothing: constant === false,
    toSql: (bind, tableAlias) => {
      const condition = emit(ast, dialect, bind, tableAlias);
      return condition.constant === true ? "1=1" : condition.constant === false ? "1=0" : condition.sql;
    },
  };
}

/**
 * A filter compiled on its own: the SQL with its own parameters (`:<paramPrefix><n>`, prefix `f` by default).
 * Run it through TypeORM's `driver.escapeQueryWithParameters` (or a query builder's `where(sql, params)`).
 */
export function compileFilter(filter: unknown, catalogue: FieldCatalogue, options: CompileOptions): CompiledFilter {
  const prefix = options.paramPrefix ?? "f";
  checkParamPrefix(prefix);
  const prepared = prepareFilter(filter, catalogue, options);
  const params: Record<string, unknown> = {};
  let next = 0;
  const sql = prepared.toSql((value) => {
    const name = `${prefix}${next++}`;
    params[name] = value;
    return `:${name}`;
  }, options.tableAlias);
  return new CompiledFilter(sql, params, prepared);
}

/** `{sql, params}`, and whether the filter normalises to no condition (see `PreparedFilter`). */
export class CompiledFilter implements SqlCondition {
  readonly #prepared: PreparedFilter;

  constructor(
    readonly sql: string,
    readonly params: Record<string, unknown>,
    prepared: PreparedFilter,
  ) {
    this.#prepared = prepared;
  }

  get matchesEverything(): boolean {
    return this.#prepared.matchesEverything;
  }

  get matchesNothing(): boolean {
    return this.#prepared.matchesNothing;
  }
}

function emit(ast: FilterNode, dialect: Dialect, bind: Bind, tableAlias: string | undefined): Frag {
  const kit = new SqlKit(dialect, new Params(bind));
  switch (dialect) {
    case "sqlite":
      return new Emitter(kit, new SqliteJson(kit), new SqliteColumns(kit), tableAlias).node(ast, null);
    case "postgres":
      return new Emitter(kit, new PostgresJson(kit), new PostgresColumns(kit), tableAlias).node(ast, null);
    default:
      return assertNever(dialect);
  }
}
