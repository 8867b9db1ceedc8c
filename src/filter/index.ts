/**
 * The filter language compiler (filter.md). Public API of `src/filter`: `compileFilter`, the types, the limits
 * and what the db layer needs to register on SQLite (`SQLITE_REGEXP_FUNCTION`, `sqliteRegexpImplementation`).
 *
 * Pipeline: `parse.ts` (JSON → AST, every validation; errors carry `filterPath`) → `emit.ts` (Mongo's matching
 * rules) over `sqlite.ts` / `postgres.ts` (how each database spells the primitives) → one boolean SQL expression
 * with TypeORM-style `:name` parameters. Pure: no database access, no ORM import, no user text in SQL.
 */
import { assertNever } from "./ast";
import { Emitter } from "./emit";
import { parseFilter } from "./parse";
import { PostgresColumns, PostgresJson } from "./postgres";
import { checkParamPrefix, Params, SqlKit, type Frag } from "./sql";
import { SqliteColumns, SqliteJson } from "./sqlite";
import { type CompileOptions, DEFAULT_FILTER_LIMITS, type FieldCatalogue, type SqlCondition } from "./types";

export * from "./types";
export { MAX_PATTERN_LENGTH, SQLITE_REGEXP_FLAGS, SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation } from "./regex";
export { MAX_JSON_NESTING, MAX_LITERAL_DEPTH, MAX_PATH_COMPONENTS } from "./parse";

/**
 * Compiles a Mongo-style filter into one SQL boolean expression for `options.dialect`.
 *
 * - Matches what MongoDB 8 `find()` would return over the same records (see `emit.ts` for the model and the
 *   dialect files for the few documented deviations).
 * - Column references are `"<column>"`, qualified with `options.tableAlias`; parameters are
 *   `:<paramPrefix><n>` (default prefix `f`) with their values in `params`. Run it through TypeORM's
 *   `driver.escapeQueryWithParameters` (or a query builder's `where(sql, params)`).
 * - `{}` compiles to `1=1`; a filter that can match nothing may compile to `1=0`.
 * - Throws BAD_USER_INPUT (`extensions.filterPath`) for a bad filter and LIMIT_EXCEEDED for one deeper or larger
 *   than `options.limits` (default `DEFAULT_FILTER_LIMITS`), before building any SQL.
 * - On SQLite the connection must have `SQLITE_REGEXP_FUNCTION` registered (used by `$regex`, rarely `$glob`).
 */
export function compileFilter(filter: unknown, catalogue: FieldCatalogue, options: CompileOptions): SqlCondition {
  const prefix = options.paramPrefix ?? "f";
  checkParamPrefix(prefix);
  const ast = parseFilter(filter, catalogue, options.limits ?? DEFAULT_FILTER_LIMITS);
  const params = new Params(prefix);
  const kit = new SqlKit(options.dialect, params);
  let condition: Frag;
  switch (options.dialect) {
    case "sqlite":
      condition = new Emitter(kit, new SqliteJson(kit), new SqliteColumns(kit), options.tableAlias).node(ast, null);
      break;
    case "postgres":
      condition = new Emitter(kit, new PostgresJson(kit), new PostgresColumns(kit), options.tableAlias).node(ast, null);
      break;
    default:
      return assertNever(options.dialect);
  }
  const sql = condition.constant === true ? "1=1" : condition.constant === false ? "1=0" : condition.sql;
  return { sql, params: params.values };
}
