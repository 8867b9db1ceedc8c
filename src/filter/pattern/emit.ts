/** Pattern AST → RE2 source (for the SQLite function, src/dialect/sqlite-regexp.ts) and Postgres ARE source. */
import { type Alternation, type Atom, type CharRange, type Term, unreachable } from "./ast";

type Target = "re2" | "pg";

const PG_SYNTAX = new Set(Array.from("^$\\.*+?()[]{}|", (s) => s.codePointAt(0) ?? 0));
const CLASS_SPECIAL = new Set(Array.from("\\]^-[", (s) => s.codePointAt(0) ?? 0));
const MAX_CODE_POINT = 0x10ffff;

function needsEscapeCode(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xdfff) || c === 0x2028 || c === 0x2029;
}

/** RE2: letters, digits, `_`, space and non-ASCII stand for themselves; every other ASCII character is \x{…}. */
function re2Char(c: number): string {
  const plain =
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x20;
  if (plain || (c > 0x7f && !needsEscapeCode(c))) return String.fromCodePoint(c);
  return `\\x{${c.toString(16)}}`;
}

function pgChar(c: number, inClass: boolean): string {
  if (needsEscapeCode(c)) {
    return c > 0xffff ? `\\U${c.toString(16).padStart(8, "0")}` : `\\u${c.toString(16).padStart(4, "0")}`;
  }
  if (inClass ? CLASS_SPECIAL.has(c) : PG_SYNTAX.has(c)) return `\\${String.fromCodePoint(c)}`;
  return String.fromCodePoint(c);
}

export function emitAlternation(body: Alternation, target: Target): string {
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

function classBody(ranges: readonly CharRange[], target: Target): string {
  const char = target === "re2" ? re2Char : (c: number) => pgChar(c, true);
  return ranges.map((r) => (r.from === r.to ? char(r.from) : `${char(r.from)}-${char(r.to)}`)).join("");
}

function emitAtom(atom: Atom, target: Target): string {
  switch (atom.kind) {
    case "char":
      return target === "re2" ? re2Char(atom.cp) : pgChar(atom.cp, false);
    case "any":
      // RE2: `(?s:.)` is every code point; Postgres' `.` already matches newline (no `n` flag).
      if (atom.newline) return target === "re2" ? "(?s:.)" : ".";
      return target === "re2" ? "[^\\x{a}]" : "[^\\u000a]";
    case "class": {
      if (atom.ranges.length === 0) {
        if (target === "re2") return atom.negated ? "(?s:.)" : `[^\\x{0}-\\x{${MAX_CODE_POINT.toString(16)}}]`;
        return atom.negated ? "." : "(?!)";
      }
      return `[${atom.negated ? "^" : ""}${classBody(atom.ranges, target)}]`;
    }
    case "group":
      return `(?:${emitAlternation(atom.body, target)})`;
    case "assert":
      switch (atom.which) {
        case "start":
          return target === "re2" ? "\\A" : "^";
        case "end":
          return target === "re2" ? "\\z" : "$";
        case "lineStart":
          return target === "re2" ? "(?m:^)" : "(?<![^\\u000a])";
        case "lineEnd":
          return target === "re2" ? "(?m:$)" : "(?=\\u000a|$)";
        case "endOrFinalNewline":
          // PCRE's `$`: at the end or before a final newline. RE2 has no lookahead, so it consumes that newline:
          // equivalent because the parser admits this anchor only where nothing but end anchors follows it.
          return target === "re2" ? "(?:\\x{a}?\\z)" : "(?=\\u000a?$)";
        case "word":
          return target === "re2" ? "\\b" : "\\y";
        case "notWord":
          return target === "re2" ? "\\B" : "\\Y";
        default:
          return unreachable(atom.which);
      }
    default:
      return unreachable(atom);
  }
}
