/** `$regex`: a PCRE subset parsed into the pattern AST (see index.ts for what is translated and what refused). */
import { compileRe2 } from "../../dialect";
import {
  type Alternation,
  type Atom,
  type CharRange,
  cp,
  DIGITS,
  isAlnum,
  isDigit,
  isHex,
  type Sequence,
  shown,
  SPACE,
  type Term,
  WORD,
  X_WHITESPACE,
} from "./ast";
import { caseVariants, rangeCaseVariants } from "./case-fold";
import { emitAlternation } from "./emit";
import { checkLength, PatternError, type TranslatedPattern } from "./types";

/** Highest repetition count Postgres accepts (`RE_DUP_MAX`). */
const MAX_REPEAT = 255;
const MAX_GROUP_DEPTH = 32;
/**
 * Product of nested `{n,m}` counts (the larger bound of each), as RE2 limits it. Postgres' engine expands counted
 * repetitions into states: `(a{1,255}){1,255}b` failed there with "invalid memory alloc" and
 * `((a{1,30}){1,30}){1,30}b` took 8.6 s to compile (issue 12).
 */
export const MAX_REPEAT_PRODUCT = 1000;
/**
 * The pattern expanded (each atom counted once per repetition it can take, nested counts multiplied, a class by its
 * ranges): what the engines build states for. Postgres compiles about 7 µs per expanded state on this machine
 * (`(?:(?:ab|cd|ef){1,50}){1,20}x`, 6,000 states: 42 ms), so this keeps one pattern near 15 ms.
 */
export const MAX_EXPANDED_SIZE = 2000;

interface RegexFlags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
  readonly x: boolean;
}

class RegexParser {
  private pos = 0;
  private readonly chars: readonly number[];

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
      if (atom.kind === "assert") throw new PatternError("an anchor cannot be repeated");
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
    if (this.peek() === 0x2a /* * */) {
      throw new PatternError("PCRE verbs such as (*UCP) are not supported");
    }
    if (this.peek() === 0x3f /* ? */) {
      const next = this.peek(1);
      if (next === 0x3a /* : */) {
        // a non-capturing group, like any other here
      } else if (next === 0x3d /* = */ || next === 0x21 /* ! */) {
        throw new PatternError("lookahead (?=…) / (?!…) is not supported (patterns are matched in linear time)");
      } else if (next === 0x3c /* < */ && (this.peek(2) === 0x3d || this.peek(2) === 0x21)) {
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
    return { kind: "group", body };
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

  /** A class's ranges plus the case variants of their members (Unicode's cased code points only), merged. */
  private foldRanges(ranges: readonly CharRange[]): CharRange[] {
    const extra: CharRange[] = [];
    for (const range of ranges) {
      for (const variant of rangeCaseVariants(range.from, range.to)) extra.push({ from: variant, to: variant });
    }
    return mergeRanges([...ranges, ...extra]);
  }
}

/** Sorted, overlapping and adjacent ranges joined: what the engines get is as small as the set allows. */
export function mergeRanges(ranges: readonly CharRange[]): CharRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const merged: CharRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.from <= last.to + 1)
      merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, range.to) };
    else merged.push(range);
  }
  return merged;
}

/**
 * Refuses what the engines cannot run in bounded time and space: nested counts whose product exceeds
 * MAX_REPEAT_PRODUCT, an expansion above MAX_EXPANDED_SIZE, and a PCRE `$` that more pattern follows (RE2 has no
 * lookahead; the SQLite function spells `$` as "an optional final newline, then the end").
 */
function checkBounds(body: Alternation): void {
  const size = expandedSize(body, 1);
  if (size > MAX_EXPANDED_SIZE) {
    throw new PatternError(
      `the pattern expands to ${size} states, more than ${MAX_EXPANDED_SIZE}; use smaller counts or fewer nested repetitions`,
    );
  }
  checkEndAnchors(body, true);
}

function expandedSize(body: Alternation, product: number): number {
  let size = 0;
  for (const branch of body) {
    for (const term of branch) {
      const count = term.max ?? term.min + 1;
      const counted = term.max !== null && term.max > 1 ? term.max : term.min > 1 ? term.min : 1;
      const nested = product * counted;
      if (nested > MAX_REPEAT_PRODUCT) {
        throw new PatternError(
          `nested repetition counts multiply to more than ${MAX_REPEAT_PRODUCT} (e.g. (a{1,100}){1,100}); use smaller counts`,
        );
      }
      const atom =
        term.atom.kind === "group"
          ? expandedSize(term.atom.body, nested)
          : term.atom.kind === "class"
            ? 1 + Math.ceil(term.atom.ranges.length / 8)
            : 1;
      size += atom * Math.max(1, count);
      if (size > MAX_EXPANDED_SIZE * 4) return size; // already refused; stop counting
    }
  }
  return size;
}

/** `$` (without `m`) only where nothing but end anchors can follow it: `tail` says whether this body is last. */
function checkEndAnchors(body: Alternation, tail: boolean): void {
  for (const branch of body) {
    branch.forEach((term, index) => {
      const rest = branch.slice(index + 1);
      const atTail =
        tail &&
        rest.every(
          (next) =>
            next.atom.kind === "assert" && (next.atom.which === "endOrFinalNewline" || next.atom.which === "end"),
        );
      if (term.atom.kind === "assert" && term.atom.which === "endOrFinalNewline" && !atTail) {
        throw new PatternError("'$' must end the pattern (or a branch that ends it); match a newline with \\n");
      }
      if (term.atom.kind === "group") checkEndAnchors(term.atom.body, atTail && term.max === 1);
    });
  }
}

/**
 * Translates a Mongo `$regex` with `$options` (`i` `m` `s` `x`; `u` accepted and ignored) for both engines.
 * Throws `PatternError` with a message meant for the caller.
 */
export function translateRegex(pattern: string, options: string): TranslatedPattern {
  const key = `${options}/${pattern}`;
  const cached = translated.get(key);
  if (cached) return cached;
  const result = translateUncached(pattern, options);
  if (translated.size >= TRANSLATION_CACHE_LIMIT) translated.clear();
  translated.set(key, result);
  return result;
}

/** Translations already made: the same pattern in 100 aliases of one request is parsed and checked once. */
const translated = new Map<string, TranslatedPattern>();
const TRANSLATION_CACHE_LIMIT = 512;

function translateUncached(pattern: string, options: string): TranslatedPattern {
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
  checkBounds(ast);
  const re2 = emitAlternation(ast, "re2");
  // A last guard: whatever we emit must compile in the engine the SQLite function uses.
  try {
    compileRe2(re2);
  } catch {
    throw new PatternError("the pattern is not a regular expression hubql can run");
  }
  return { re2, pg: emitAlternation(ast, "pg") };
}
