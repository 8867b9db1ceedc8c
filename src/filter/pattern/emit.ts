/** Pattern AST → JS RegExp source (for the SQLite function) and Postgres ARE source. */
import { type Alternation, type Atom, cp, type Term, unreachable } from "./ast";

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
          return unreachable(atom.which);
      }
    default:
      return unreachable(atom);
  }
}
