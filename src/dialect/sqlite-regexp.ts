/**
 * The regular-expression function hubql registers on every SQLite connection (SQLite has no regex engine). The
 * filter compiler calls it for `$regex` (and `$glob` patterns SQLite's GLOB cannot spell); the db layer registers it.
 * Patterns are produced by the compiler from the user's `$regex`/`$glob` (src/filter/pattern), never passed raw.
 */

/** The SQL function name. */
export const SQLITE_REGEXP_FUNCTION = "hubql_regexp";

/** The flags the compiler passes (the pattern is already translated; `u` = code points). */
export const SQLITE_REGEXP_FLAGS = "u";

const compiledCache = new Map<string, RegExp>();
const CACHE_LIMIT = 512;

/**
 * `hubql_regexp(pattern, flags, value)` is 1 when `value` is a string that the JS RegExp `new RegExp(pattern,
 * flags)` finds anywhere in, else 0 (never NULL; non-strings, NULL included, give 0). Deterministic. Register it with
 * `db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation)`.
 */
export function sqliteRegexpImplementation(pattern: unknown, flags: unknown, value: unknown): 0 | 1 {
  if (typeof value !== "string") return 0;
  if (typeof pattern !== "string" || typeof flags !== "string") {
    throw new TypeError(`${SQLITE_REGEXP_FUNCTION}(pattern, flags, value) needs a text pattern and text flags`);
  }
  const key = `${flags}/${pattern}`;
  let regex = compiledCache.get(key);
  if (!regex) {
    regex = new RegExp(pattern, flags);
    if (compiledCache.size >= CACHE_LIMIT) compiledCache.clear();
    compiledCache.set(key, regex);
  }
  // No `g`/`y` flag ever reaches here, so `test` keeps no lastIndex state between rows.
  return regex.test(value) ? 1 : 0;
}
