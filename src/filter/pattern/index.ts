/**
 * `$regex` and `$glob` for both dialects. Internal to the filter compiler; the SQLite
 * function that runs the translated patterns lives in src/dialect/sqlite-regexp.ts.
 *
 * MongoDB runs `$regex` with PCRE2; SQLite has no regex engine (we register RE2, in linear time) and Postgres has
 * POSIX AREs. Three engines never agree on a raw pattern: `.` and `$` treat newlines differently, `\b` is a backspace
 * in Postgres, `[]` and `[^]` mean different things, `~*` folds case by the column collation. So hubql does not
 * hand the user's pattern to either database. It parses the pattern (a PCRE subset), rejects what it cannot run
 * faithfully and in bounded time, and emits an equivalent pattern per engine in which every newline, case and word
 * rule is spelled out explicitly:
 *
 * - `.` without `s` → `[^\n]`; with `s` → any character.
 * - `^` → start of string; with `m` → start or after `\n`. `$` → end of string or before a final `\n` (PCRE's
 *   default); with `m` → before any `\n` or at the end.
 * - `i` → every letter becomes a class of its case variants (simple one-to-one Unicode case mapping), so both
 *   engines run case-sensitively on the same explicit classes.
 * - `x` → whitespace and `#` comments outside classes are removed while parsing.
 * - `\d` `\w` `\s` → `[0-9]`, `[A-Za-z0-9_]`, `[\t\n\v\f\r ]` (PCRE without UCP); `\b` `\B` → word boundaries on
 *   those ASCII word characters (Postgres `\y` `\Y`; Postgres runs with `COLLATE "C"`, whose classes are ASCII).
 * - Quantifiers keep their counts; laziness is dropped (it changes which text matches, never whether one does).
 *
 * Rejected with a message (BAD_USER_INPUT), the list docs/filter.md documents: back-references and octal escapes,
 * lookahead and lookbehind, named groups, inline flags `(?i)`, atomic groups, possessive quantifiers, verbs `(*…)`,
 * `\p{…}` and other PCRE-only escapes, POSIX classes `[[:alpha:]]`, negated shorthands inside classes (`[\D]`),
 * counts above 255 (Postgres' limit), nested counts whose product exceeds MAX_REPEAT_PRODUCT, patterns that expand
 * beyond MAX_EXPANDED_SIZE states, a `$` followed by more pattern, and patterns longer than `MAX_PATTERN_LENGTH`.
 *
 * `$glob` is Python's `fnmatch` (ipyparallel 9.1): `*`, `?`, `[abc]`, `[a-z]`, `[!abc]`, anchored at both ends,
 * case-sensitive, `*` and `?` match newlines, backslash is an ordinary character, an unclosed `[` is literal. SQLite
 * runs it as `GLOB` where GLOB can spell it, else through RE2 like `$regex`: never a backtracking engine.
 */
export { caseVariants } from "./case-fold";
export { translateGlob } from "./glob";
export { MAX_EXPANDED_SIZE, MAX_REPEAT_PRODUCT, translateRegex } from "./regex";
export { MAX_PATTERN_LENGTH, PatternError, type TranslatedGlob, type TranslatedPattern } from "./types";
