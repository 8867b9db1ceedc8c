/**
 * `$regex` and `$glob` for both dialects. Public API of this file: `SQLITE_REGEXP_FUNCTION`,
 * `SQLITE_REGEXP_FLAGS` and `sqliteRegexpImplementation` (the db layer registers them on every SQLite connection);
 * the rest is internal to the filter compiler.
 *
 * MongoDB runs `$regex` with PCRE2; SQLite has no regex engine (we register a JS one) and Postgres has POSIX AREs.
 * Three engines never agree on a raw pattern: `.` and `$` treat newlines differently, `\s` is Unicode-wide in JS,
 * `\b` is a backspace in Postgres, `[]` and `[^]` mean different things, `~*` folds case by the column collation.
 * So hubql does not hand the user's pattern to either database. It parses the pattern (a PCRE subset), rejects what
 * it cannot run faithfully, and emits an equivalent pattern per engine in which every newline, case and word rule
 * is spelled out explicitly:
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
 * Rejected with a message (BAD_USER_INPUT): back-references and octal escapes, lookbehind, named groups, inline
 * flags `(?i)`, atomic groups, possessive quantifiers, verbs `(*…)`, `\p{…}` and other PCRE-only escapes, POSIX
 * classes `[[:alpha:]]`, negated shorthands inside classes (`[\D]`), counts above 255 (Postgres' limit), nested
 * unbounded repetition of a single item (`(a+)+`, which backtracks exponentially in the in-process JS engine), and
 * patterns longer than `MAX_PATTERN_LENGTH`.
 *
 * `$glob` is Python's `fnmatch` (ipyparallel 9.1): `*`, `?`, `[abc]`, `[a-z]`, `[!abc]`, anchored at both ends,
 * case-sensitive, `*` and `?` match newlines, backslash is an ordinary character, an unclosed `[` is literal.
 */

import { assertNever } from "./ast";

/** The SQL function name the db layer registers on every SQLite connection. */
export const SQLITE_REGEXP_FUNCTION = "hubql_regexp";

/** The flags the compiler passes to the SQLite function (the pattern is already translated; `u` = code points). */
export const SQLITE_REGEXP_FLAGS = "u";

/** Longest accepted `$regex` or `$glob` pattern, in characters. */
export const MAX_PATTERN_LENGTH = 1000;

/** Highest repetition count Postgres accepts (`RE_DUP_MAX`). */
const MAX_REPEAT = 255;
const MAX_GROUP_DEPTH = 32;
/** Code points visited when widening character ranges for `i`. */
const MAX_CASE_FOLD_WORK = 70_000;

const compiledCache = new Map<string, RegExp>();
const CACHE_LIMIT = 512;

/**
 * The SQLite regexp function: `hubql_regexp(pattern, flags, value)` is 1 when `value` is a string that the JS
 * RegExp `new RegExp(pattern, flags)` finds anywhere in, else 0 (never NULL; non-strings, NULL included, give 0).
 * Deterministic. Register it with
 * `db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation)`.
 * Patterns are produced by the compiler from the user's `$regex`/`$glob`, never passed through raw.
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

/** A user-facing reason a pattern cannot be used; the parser wraps it with the filter path. */
export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PatternError";
  }
}

/** A pattern ready for both engines. */
export interface TranslatedPattern {
  /** JS RegExp source for `hubql_regexp` (run with `SQLITE_REGEXP_FLAGS`). */
  readonly js: string;
  /** Postgres ARE source for `~` (subject `COLLATE "C"`, no embedded options). */
  readonly pg: string;
}

export interface TranslatedGlob extends TranslatedPattern {
  /** The same pattern in SQLite `GLOB` syntax, or null when GLOB cannot spell it (then use `js`). */
  readonly sqliteGlob: string | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Pattern AST (shared by $regex and $glob)

interface CharRange {
  readonly from: number;
  readonly to: number;
}

type Atom =
  | { readonly kind: "char"; readonly cp: number }
  | { readonly kind: "any"; readonly newline: boolean }
  | { readonly kind: "class"; readonly negated: boolean; readonly ranges: readonly CharRange[] }
  | { readonly kind: "group"; readonly body: Alternation }
  | { readonly kind: "look"; readonly negated: boolean; readonly body: Alternation }
  | {
      readonly kind: "assert";
      readonly which: "start" | "end" | "lineStart" | "lineEnd" | "endOrFinalNewline" | "word" | "notWord";
    };

interface Term {
  readonly atom: Atom;
  readonly min: number;
  readonly max: number | null;
}

type Sequence = readonly Term[];
type Alternation = readonly Sequence[];

const DIGITS: readonly CharRange[] = [{ from: 0x30, to: 0x39 }];
const WORD: readonly CharRange[] = [
  { from: 0x30, to: 0x39 },
  { from: 0x41, to: 0x5a },
  { from: 0x5f, to: 0x5f },
  { from: 0x61, to: 0x7a },
];
// PCRE2 \s: HT, LF, VT, FF, CR, space.
const SPACE: readonly CharRange[] = [
  { from: 0x09, to: 0x0d },
  { from: 0x20, to: 0x20 },
];
// PCRE2 extended-mode white space (ASCII plus the Unicode "Pattern White Space" characters).
const X_WHITESPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0x200e, 0x200f, 0x2028, 0x2029]);

const cp = (s: string): number => s.codePointAt(0) ?? 0;
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
const isHex = (c: number | undefined): boolean =>
  c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
const isAlnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

function shown(c: number): string {
  return c < 0x20 || c === 0x7f ? `\\x{${c.toString(16)}}` : String.fromCodePoint(c);
}

// ---------------------------------------------------------------------------------------------------------------
// $regex parser (PCRE subset)

interface RegexFlags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
  readonly x: boolean;
}

class RegexParser {
  private pos = 0;
  private readonly chars: readonly number[];
  private foldWork = 0;

  constructor(
    pattern: string,
    private readonly flags: RegexFlags,
  ) {
    this.chars = Array.from(pattern, cp);
  }

  parse(): Alternation {
    const body = this.alternation(0);
    if (this.pos < this.chars.length) throw new PatternError("unmatched ')' in pattern");
    return body;
  }

  private peek(offset = 0): number | undefined {
    return this.chars[this.pos + offset];
  }

  private alternation(depth: number): Alternation {
    const branches: Sequence[] = [this.sequence(depth)];
    while (this.peek() === 0x7c /* | */) {
      this.pos++;
      branches.push(this.sequence(depth));
    }
    return branches;
  }

  private skipExtended(): void {
    if (!this.flags.x) return;
    for (;;) {
      const c = this.peek();
      if (c !== undefined && X_WHITESPACE.has(c)) {
        this.pos++;
      } else if (c === 0x23 /* # */) {
        while (this.peek() !== undefined && this.peek() !== 0x0a) this.pos++;
      } else {
        return;
      }
    }
  }

  private sequence(depth: number): Sequence {
    const terms: Term[] = [];
    for (;;) {
      this.skipExtended();
      const c = this.peek();
      if (c === undefined || c === 0x7c || c === 0x29 /* ) */) return terms;
      const atom = this.atom(depth);
      this.skipExtended();
      const quantifier = this.quantifier();
      if (!quantifier) {
        terms.push({ atom, min: 1, max: 1 });
        continue;
      }
      if (atom.kind === "assert" || atom.kind === "look") {
        throw new PatternError("an anchor or lookahead cannot be repeated");
      }
      if (quantifier.max === null && atom.kind === "group" && isSingleUnboundedTerm(atom.body)) {
        throw new PatternError(
          "nested unbounded repetition such as (a+)+ is not supported (it can take exponential time)",
        );
      }
      terms.push({ atom, min: quantifier.min, max: quantifier.max });
    }
  }

  /** `*` `+` `?` `{n}` `{n,}` `{n,m}`, then an optional lazy `?` (dropped) or a possessive `+` (rejected). */
  private quantifier(): { min: number; max: number | null } | null {
    const c = this.peek();
    let result: { min: number; max: number | null } | null = null;
    if (c === 0x2a) result = { min: 0, max: null };
    else if (c === 0x2b) result = { min: 1, max: null };
    else if (c === 0x3f) result = { min: 0, max: 1 };
    if (result) {
      this.pos++;
    } else if (c === 0x7b /* { */) {
      const braces = this.braces();
      if (!braces) return null;
      result = braces;
    } else {
      return null;
    }
    if (result.max !== null && result.min > result.max) {
      throw new PatternError(`repetition {${result.min},${result.max}} has its bounds the wrong way round`);
    }
    if (result.min > MAX_REPEAT || (result.max ?? 0) > MAX_REPEAT) {
      throw new PatternError(`repetition counts above ${MAX_REPEAT} are not supported`);
    }
    if (this.peek() === 0x3f) this.pos++;
    else if (this.peek() === 0x2b) throw new PatternError("possessive quantifiers (a*+) are not supported");
    return result;
  }

  /** Reads `{n}`, `{n,}` or `{n,m}` at the cursor; anything else is not a quantifier (PCRE: a literal `{`). */
  private braces(): { min: number; max: number | null } | null {
    let i = this.pos + 1;
    let min = "";
    for (; isDigit(this.chars[i]); i++) min += String.fromCodePoint(this.chars[i] ?? 0);
    if (min === "") return null;
    let max: string | null = min;
    if (this.chars[i] === 0x2c /* , */) {
      i++;
      max = "";
      for (; isDigit(this.chars[i]); i++) max += String.fromCodePoint(this.chars[i] ?? 0);
    }
    if (this.chars[i] !== 0x7d /* } */) return null;
    this.pos = i + 1;
    return { min: Number(min), max: max === "" ? null : Number(max) };
  }

  private atom(depth: number): Atom {
    const c = this.peek();
    if (c === undefined) throw new PatternError("unexpected end of pattern");
    switch (c) {
      case 0x28 /* ( */:
        return this.group(depth);
      case 0x5b /* [ */:
        this.pos++;
        return this.characterClass();
      case 0x2e /* . */:
        this.pos++;
        return { kind: "any", newline: this.flags.s };
      case 0x5e /* ^ */:
        this.pos++;
        return { kind: "assert", which: this.flags.m ? "lineStart" : "start" };
      case 0x24 /* $ */:
        this.pos++;
        return { kind: "assert", which: this.flags.m ? "lineEnd" : "endOrFinalNewline" };
      case 0x5c /* \ */:
        this.pos++;
        return this.escape();
      case 0x2a:
      case 0x2b:
      case 0x3f:
        throw new PatternError(`'${String.fromCodePoint(c)}' has nothing to repeat`);
      case 0x7b /* { */:
        if (this.braces()) throw new PatternError("a {n,m} repetition has nothing to repeat");
        this.pos++;
        return this.literal(c);
      default:
        this.pos++;
        return this.literal(c);
    }
  }

  private group(depth: number): Atom {
    if (depth >= MAX_GROUP_DEPTH) throw new PatternError(`groups nested deeper than ${MAX_GROUP_DEPTH}`);
    this.pos++; // (
    let kind: "group" | "ahead" | "notAhead" = "group";
    if (this.peek() === 0x2a /* * */) {
      throw new PatternError("PCRE verbs such as (*UCP) are not supported");
    }
    if (this.peek() === 0x3f /* ? */) {
      const next = this.peek(1);
      if (next === 0x3a /* : */) kind = "group";
      else if (next === 0x3d /* = */) kind = "ahead";
      else if (next === 0x21 /* ! */) kind = "notAhead";
      else if (next === 0x3c /* < */ && (this.peek(2) === 0x3d || this.peek(2) === 0x21)) {
        throw new PatternError("lookbehind (?<=…) / (?<!…) is not supported");
      } else if (next === 0x3c || next === 0x50 /* P */ || next === 0x27 /* ' */) {
        throw new PatternError("named groups are not supported; use (?:…) or (…)");
      } else if (next === 0x3e /* > */) {
        throw new PatternError("atomic groups (?>…) are not supported");
      } else {
        throw new PatternError("inline options and other (?…) constructs are not supported; use $options");
      }
      this.pos += 2;
    }
    const body = this.alternation(depth + 1);
    if (this.peek() !== 0x29) throw new PatternError("missing ')' in pattern");
    this.pos++;
    if (kind === "group") return { kind: "group", body };
    return { kind: "look", negated: kind === "notAhead", body };
  }

  private literal(c: number): Atom {
    if (!this.flags.i) return { kind: "char", cp: c };
    const variants = caseVariants(c);
    if (variants.length === 1) return { kind: "char", cp: c };
    return { kind: "class", negated: false, ranges: variants.map((v) => ({ from: v, to: v })) };
  }

  /** After a backslash, outside a class. */
  private escape(): Atom {
    const c = this.peek();
    if (c === undefined) throw new PatternError("pattern ends with a backslash");
    this.pos++;
    switch (c) {
      case 0x64 /* d */:
        return { kind: "class", negated: false, ranges: DIGITS };
      case 0x44 /* D */:
        return { kind: "class", negated: true, ranges: DIGITS };
      case 0x77 /* w */:
        return { kind: "class", negated: false, ranges: WORD };
      case 0x57 /* W */:
        return { kind: "class", negated: true, ranges: WORD };
      case 0x73 /* s */:
        return { kind: "class", negated: false, ranges: SPACE };
      case 0x53 /* S */:
        return { kind: "class", negated: true, ranges: SPACE };
      case 0x62 /* b */:
        return { kind: "assert", which: "word" };
      case 0x42 /* B */:
        return { kind: "assert", which: "notWord" };
      default:
        return this.literal(this.escapedCharacter(c, false));
    }
  }

  /** A character escape (after the backslash and `c`); shared by classes. */
  private escapedCharacter(c: number, inClass: boolean): number {
    switch (c) {
      case 0x6e /* n */:
        return 0x0a;
      case 0x74 /* t */:
        return 0x09;
      case 0x72 /* r */:
        return 0x0d;
      case 0x66 /* f */:
        return 0x0c;
      case 0x65 /* e */:
        return 0x1b;
      case 0x61 /* a */:
        return 0x07;
      case 0x78 /* x */:
        return this.hexEscape();
      default:
        break;
    }
    if (inClass && c === 0x62 /* b */) return 0x08;
    if (isDigit(c)) {
      throw new PatternError(`back-references and octal escapes (\\${String.fromCodePoint(c)}) are not supported`);
    }
    if (c === 0x6b /* k */ || c === 0x67 /* g */) throw new PatternError("back-references are not supported");
    if (c === 0x75 /* u */) throw new PatternError("\\u escapes are not PCRE; write \\x{hhhh}");
    if (isAlnum(c)) throw new PatternError(`the escape \\${String.fromCodePoint(c)} is not supported`);
    return c;
  }

  private hexEscape(): number {
    let digits = "";
    if (this.peek() === 0x7b /* { */) {
      this.pos++;
      for (; isHex(this.peek()); this.pos++) digits += String.fromCodePoint(this.peek() ?? 0);
      if (this.peek() !== 0x7d || digits === "") throw new PatternError("malformed \\x{…} escape");
      this.pos++;
    } else {
      for (; digits.length < 2 && isHex(this.peek()); this.pos++) digits += String.fromCodePoint(this.peek() ?? 0);
      if (digits === "") throw new PatternError("\\x needs hexadecimal digits");
    }
    const value = Number.parseInt(digits, 16);
    if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
      throw new PatternError(`\\x{${digits}} is not a Unicode scalar value`);
    }
    if (value === 0) throw new PatternError("NUL characters cannot appear in patterns");
    return value;
  }

  /** After `[`. */
  private characterClass(): Atom {
    let negated = false;
    if (this.peek() === 0x5e /* ^ */) {
      negated = true;
      this.pos++;
    }
    const ranges: CharRange[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new PatternError("missing ']' in pattern");
      if (c === 0x5d /* ] */ && !first) {
        this.pos++;
        break;
      }
      first = false;
      const start = this.classMember();
      if (start.kind === "set") {
        ranges.push(...start.ranges);
        continue;
      }
      if (this.peek() === 0x2d /* - */ && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        this.pos++;
        const end = this.classMember();
        if (end.kind === "set") throw new PatternError("a class shorthand cannot end a range");
        if (end.cp < start.cp) {
          throw new PatternError(`invalid range ${shown(start.cp)}-${shown(end.cp)} in character class`);
        }
        ranges.push({ from: start.cp, to: end.cp });
      } else {
        ranges.push({ from: start.cp, to: start.cp });
      }
    }
    return { kind: "class", negated, ranges: this.flags.i ? this.foldRanges(ranges) : ranges };
  }

  private classMember(): { kind: "char"; cp: number } | { kind: "set"; ranges: readonly CharRange[] } {
    const c = this.peek() ?? 0;
    this.pos++;
    if (c === 0x5b /* [ */ && [0x3a, 0x3d, 0x2e].includes(this.peek() ?? 0)) {
      throw new PatternError("POSIX classes such as [[:alpha:]] are not supported; use \\w, \\d, \\s or ranges");
    }
    if (c !== 0x5c) return { kind: "char", cp: c };
    const e = this.peek();
    if (e === undefined) throw new PatternError("pattern ends with a backslash");
    this.pos++;
    if (e === 0x64) return { kind: "set", ranges: DIGITS };
    if (e === 0x77) return { kind: "set", ranges: WORD };
    if (e === 0x73) return { kind: "set", ranges: SPACE };
    if (e === 0x44 || e === 0x57 || e === 0x53) {
      throw new PatternError(`\\${String.fromCodePoint(e)} inside [...] is not supported`);
    }
    return { kind: "char", cp: this.escapedCharacter(e, true) };
  }

  private foldRanges(ranges: readonly CharRange[]): CharRange[] {
    const extra: number[] = [];
    for (const range of ranges) {
      this.foldWork += range.to - range.from + 1;
      if (this.foldWork > MAX_CASE_FOLD_WORK) {
        throw new PatternError("character ranges too wide for case-insensitive matching");
      }
      for (let c = range.from; c <= range.to; c++) {
        for (const v of caseVariants(c)) if (v !== c) extra.push(v);
      }
    }
    return [...ranges, ...extra.map((v) => ({ from: v, to: v }))];
  }
}

function isSingleUnboundedTerm(body: Alternation): boolean {
  return body.some((branch) => {
    const only = branch.length === 1 ? branch[0] : undefined;
    if (!only) return false;
    if (only.max === null) return true;
    return only.atom.kind === "group" && isSingleUnboundedTerm(only.atom.body);
  });
}

/** The code points that match `c` case-insensitively: `c` and its one-code-point lower/upper case forms. */
export function caseVariants(c: number): number[] {
  const seen = new Set<number>([c]);
  const queue = [c];
  while (queue.length > 0) {
    const current = queue.pop() ?? c;
    const s = String.fromCodePoint(current);
    for (const mapped of [s.toLowerCase(), s.toUpperCase()]) {
      const points = Array.from(mapped, cp);
      const only = points.length === 1 ? points[0] : undefined;
      if (only !== undefined && !seen.has(only)) {
        seen.add(only);
        queue.push(only);
      }
    }
  }
  return [...seen].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------------------------
// Emitters

const JS_SYNTAX = new Set(Array.from("^$\\.*+?()[]{}|/", cp));
const PG_SYNTAX = new Set(Array.from("^$\\.*+?()[]{}|", cp));
const CLASS_SPECIAL = new Set(Array.from("\\]^-[", cp));

function needsEscapeCode(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xdfff) || c === 0x2028 || c === 0x2029;
}

function jsChar(c: number, inClass: boolean): string {
  if (needsEscapeCode(c)) return `\\u{${c.toString(16)}}`;
  if (inClass ? CLASS_SPECIAL.has(c) : JS_SYNTAX.has(c)) return `\\${String.fromCodePoint(c)}`;
  return String.fromCodePoint(c);
}

function pgChar(c: number, inClass: boolean): string {
  if (needsEscapeCode(c)) {
    return c > 0xffff ? `\\U${c.toString(16).padStart(8, "0")}` : `\\u${c.toString(16).padStart(4, "0")}`;
  }
  if (inClass ? CLASS_SPECIAL.has(c) : PG_SYNTAX.has(c)) return `\\${String.fromCodePoint(c)}`;
  return String.fromCodePoint(c);
}

type Target = "js" | "pg";

function emitAlternation(body: Alternation, target: Target): string {
  return body.map((branch) => branch.map((term) => emitTerm(term, target)).join("")).join("|");
}

function emitTerm(term: Term, target: Target): string {
  const atom = emitAtom(term.atom, target);
  const { min, max } = term;
  if (min === 1 && max === 1) return atom;
  if (min === 0 && max === null) return `${atom}*`;
  if (min === 1 && max === null) return `${atom}+`;
  if (min === 0 && max === 1) return `${atom}?`;
  if (max === null) return `${atom}{${min},}`;
  if (min === max) return `${atom}{${min}}`;
  return `${atom}{${min},${max}}`;
}

function emitAtom(atom: Atom, target: Target): string {
  const char = target === "js" ? jsChar : pgChar;
  switch (atom.kind) {
    case "char":
      return char(atom.cp, false);
    case "any":
      // JS: [\s\S] is every code point in u-mode; Postgres' `.` already matches newline (no `n` flag).
      if (atom.newline) return target === "js" ? "[\\s\\S]" : ".";
      return target === "js" ? "[^\\n]" : "[^\\u000a]";
    case "class": {
      if (atom.ranges.length === 0) {
        if (target === "js") return atom.negated ? "[\\s\\S]" : "[]";
        return atom.negated ? "." : "(?!)";
      }
      const body = atom.ranges
        .map((r) => (r.from === r.to ? char(r.from, true) : `${char(r.from, true)}-${char(r.to, true)}`))
        .join("");
      return `[${atom.negated ? "^" : ""}${body}]`;
    }
    case "group":
      return `(?:${emitAlternation(atom.body, target)})`;
    case "look":
      return `(?${atom.negated ? "!" : "="}${emitAlternation(atom.body, target)})`;
    case "assert":
      switch (atom.which) {
        case "start":
          return "^";
        case "end":
          return "$";
        case "lineStart":
          return target === "js" ? "(?<![^\\n])" : "(?<![^\\u000a])";
        case "lineEnd":
          return target === "js" ? "(?=\\n|$)" : "(?=\\u000a|$)";
        case "endOrFinalNewline":
          return target === "js" ? "(?=\\n?$)" : "(?=\\u000a?$)";
        case "word":
          return target === "js" ? "\\b" : "\\y";
        case "notWord":
          return target === "js" ? "\\B" : "\\Y";
        default:
          return assertNever(atom.which);
      }
    default:
      return assertNever(atom);
  }
}

function checkLength(pattern: string, what: string): void {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(`${what} is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  if (pattern.includes("\u0000")) throw new PatternError(`${what} contains a NUL character`);
}

/**
 * Translates a Mongo `$regex` with `$options` (`i` `m` `s` `x`; `u` accepted and ignored) for both engines.
 * Throws `PatternError` with a message meant for the caller.
 */
export function translateRegex(pattern: string, options: string): TranslatedPattern {
  checkLength(pattern, "the pattern");
  for (const option of options) {
    if (!"imsxu".includes(option)) {
      throw new PatternError(`unknown $options flag '${option}'; use i, m, s or x`);
    }
  }
  const flags: RegexFlags = {
    i: options.includes("i"),
    m: options.includes("m"),
    s: options.includes("s"),
    x: options.includes("x"),
  };
  const ast = new RegexParser(pattern, flags).parse();
  const js = emitAlternation(ast, "js");
  // A last guard: whatever we emit must compile in the engine the SQLite function uses.
  try {
    new RegExp(js, SQLITE_REGEXP_FLAGS);
  } catch {
    throw new PatternError("the pattern is not a valid regular expression");
  }
  return { js, pg: emitAlternation(ast, "pg") };
}

// ---------------------------------------------------------------------------------------------------------------
// $glob (Python fnmatch)

type GlobToken =
  | { readonly kind: "star" }
  | { readonly kind: "any" }
  | { readonly kind: "char"; readonly cp: number }
  | { readonly kind: "class"; readonly negated: boolean; readonly ranges: readonly CharRange[] };

function parseGlob(glob: string): GlobToken[] {
  const chars = Array.from(glob, cp);
  const tokens: GlobToken[] = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i] ?? 0;
    i++;
    if (c === 0x2a /* * */) {
      if (tokens.at(-1)?.kind !== "star") tokens.push({ kind: "star" });
    } else if (c === 0x3f /* ? */) {
      tokens.push({ kind: "any" });
    } else if (c === 0x5b /* [ */) {
      // fnmatch.translate: `!` negates, a `]` right after `[` or `[!` is a member, no closing `]` → literal `[`.
      let j = i;
      if (chars[j] === 0x21) j++;
      if (chars[j] === 0x5d) j++;
      while (j < chars.length && chars[j] !== 0x5d) j++;
      if (j >= chars.length) {
        tokens.push({ kind: "char", cp: c });
        continue;
      }
      let members = chars.slice(i, j);
      i = j + 1;
      const negated = members[0] === 0x21;
      if (negated) members = members.slice(1);
      const ranges: CharRange[] = [];
      for (let k = 0; k < members.length; k++) {
        const from = members[k] ?? 0;
        const to = members[k + 2];
        if (members[k + 1] === 0x2d && to !== undefined) {
          if (to < from) throw new PatternError(`invalid range ${shown(from)}-${shown(to)} in glob`);
          ranges.push({ from, to });
          k += 2;
        } else {
          ranges.push({ from, to: from });
        }
      }
      tokens.push({ kind: "class", negated, ranges });
    } else {
      tokens.push({ kind: "char", cp: c });
    }
  }
  return tokens;
}

function globToRegex(tokens: readonly GlobToken[]): Alternation {
  const terms: Term[] = [{ atom: { kind: "assert", which: "start" }, min: 1, max: 1 }];
  for (const token of tokens) {
    switch (token.kind) {
      case "star":
        terms.push({ atom: { kind: "any", newline: true }, min: 0, max: null });
        break;
      case "any":
        terms.push({ atom: { kind: "any", newline: true }, min: 1, max: 1 });
        break;
      case "char":
        terms.push({ atom: { kind: "char", cp: token.cp }, min: 1, max: 1 });
        break;
      case "class":
        terms.push({ atom: { kind: "class", negated: token.negated, ranges: token.ranges }, min: 1, max: 1 });
        break;
      default:
        assertNever(token);
    }
  }
  terms.push({ atom: { kind: "assert", which: "end" }, min: 1, max: 1 });
  return [terms];
}

/** SQLite GLOB: `*` `?` `[...]` `[^...]`; `*` `?` `[` are escaped as one-member sets. */
function globToSqlite(tokens: readonly GlobToken[]): string | null {
  let out = "";
  for (const token of tokens) {
    switch (token.kind) {
      case "star":
        out += "*";
        break;
      case "any":
        out += "?";
        break;
      case "char":
        out += sqliteGlobChar(token.cp);
        break;
      case "class": {
        const set = sqliteGlobSet(token.negated, token.ranges);
        if (set === null) return null;
        out += set;
        break;
      }
      default:
        assertNever(token);
    }
  }
  return out;
}

function sqliteGlobChar(c: number): string {
  return c === 0x2a || c === 0x3f || c === 0x5b ? `[${String.fromCodePoint(c)}]` : String.fromCodePoint(c);
}

/**
 * SQLite's set syntax: `]` is a member only right after `[` or `[^`, `-` is literal only first or last, `^` negates
 * only first. Ranges touching `]` `-` `^` cannot be spelled: null (the caller falls back to the regex function).
 */
function sqliteGlobSet(negated: boolean, ranges: readonly CharRange[]): string | null {
  const awkward = new Set([0x5d, 0x2d, 0x5e]);
  const singles = new Set<number>();
  const spans: CharRange[] = [];
  for (const range of ranges) {
    if (range.from === range.to) singles.add(range.from);
    else if (awkward.has(range.from) || awkward.has(range.to)) return null;
    else spans.push(range);
  }
  if (!negated && spans.length === 0 && singles.size === 1) {
    const [only] = singles;
    return sqliteGlobChar(only ?? 0);
  }
  let body = singles.has(0x5d) ? "]" : "";
  for (const span of spans) body += `${String.fromCodePoint(span.from)}-${String.fromCodePoint(span.to)}`;
  for (const c of singles) if (!awkward.has(c)) body += String.fromCodePoint(c);
  if (singles.has(0x5e)) {
    if (body === "" && !negated) body = singles.has(0x2d) ? "-^" : "^";
    else body += "^";
  }
  if (singles.has(0x2d) && !body.startsWith("-")) body += "-";
  return `[${negated ? "^" : ""}${body}]`;
}

/** Translates an fnmatch glob for both engines plus SQLite `GLOB`. Throws `PatternError`. */
export function translateGlob(glob: string): TranslatedGlob {
  checkLength(glob, "the glob");
  const tokens = parseGlob(glob);
  const ast = globToRegex(tokens);
  return { js: emitAlternation(ast, "js"), pg: emitAlternation(ast, "pg"), sqliteGlob: globToSqlite(tokens) };
}
