/** What the pattern translator hands the dialects, and how it refuses a pattern. */

/** Longest accepted `$regex` or `$glob` pattern, in characters. */
export const MAX_PATTERN_LENGTH = 1000;

/** A user-facing reason a pattern cannot be used; the parser wraps it with the filter path. */
export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PatternError";
  }
}

/** A pattern ready for both engines. */
export interface TranslatedPattern {
  /** RE2 source for `hubql_regexp` (src/dialect/sqlite-regexp.ts: re2js, linear time). */
  readonly re2: string;
  /** Postgres ARE source for `~` (subject `COLLATE "C"`, no embedded options). */
  readonly pg: string;
}

export interface TranslatedGlob extends TranslatedPattern {
  /** The same pattern in SQLite `GLOB` syntax, or null when GLOB cannot spell it (then use `re2`). */
  readonly sqliteGlob: string | null;
}

export function checkLength(pattern: string, what: string): void {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(`${what} is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  if (pattern.includes("\u0000")) throw new PatternError(`${what} contains a NUL character`);
}
