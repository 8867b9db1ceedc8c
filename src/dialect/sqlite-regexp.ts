/**
 * The regular-expression function hubql registers on every SQLite connection (SQLite has no regex engine). The
 * filter compiler calls it for `$regex` (and `$glob` patterns SQLite's GLOB cannot spell); the db layer registers it.
 * Patterns are produced by the compiler from the user's `$regex`/`$glob` (src/filter/pattern), never passed raw.
 *
 * The engine is RE2 (re2js, pure JavaScript): matching takes time linear in the subject whatever the pattern, where
 * V8's backtracking engine let one `^([0-9a-f-]|[0-9a-f-])*!` over one record stall every request for hours (the
 * function runs synchronously inside SQLite's statement). Measured on this project's machine, per row: re2js 4–10 µs
 * on 100 characters and 100 µs on 20 KB, against V8's 0.05–0.8 µs and 4.4 µs; linear on `(a|a)*!`. The native `re2`
 * package is 2–4× faster (1–5 µs) but compiles RE2 with node-gyp at install (6 minutes on 2 cores, install scripts
 * needed, per Node version) — not worth it next to the request budget, which bounds how many patterns one request
 * runs (src/server/limits).
 */
import { RE2JS } from "re2js";

/** The SQL function name. */
export const SQLITE_REGEXP_FUNCTION = "hubql_regexp";

/** The flags argument the compiler passes; RE2 patterns carry every option inline, so it is only checked as text. */
export const SQLITE_REGEXP_FLAGS = "u";

const compiledCache = new Map<string, RE2JS>();
const CACHE_LIMIT = 512;

/**
 * `hubql_regexp(pattern, flags, value)` is 1 when `value` is a string in which the RE2 pattern finds a match, else 0
 * (never NULL; non-strings, NULL included, give 0). Deterministic. Register it with
 * `db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation)`.
 */
export function sqliteRegexpImplementation(pattern: unknown, flags: unknown, value: unknown): 0 | 1 {
  if (typeof value !== "string") return 0;
  if (typeof pattern !== "string" || typeof flags !== "string") {
    throw new TypeError(`${SQLITE_REGEXP_FUNCTION}(pattern, flags, value) needs a text pattern and text flags`);
  }
  let regex = compiledCache.get(pattern);
  if (!regex) {
    regex = RE2JS.compile(pattern);
    if (compiledCache.size >= CACHE_LIMIT) compiledCache.clear();
    compiledCache.set(pattern, regex);
  }
  return regex.test(value) ? 1 : 0;
}

/** Compiles an RE2 pattern the way the SQLite function will, or throws (the translator's last check). */
export function compileRe2(pattern: string): void {
  RE2JS.compile(pattern);
}
