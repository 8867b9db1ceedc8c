/** `$glob`: Python's `fnmatch` (ipyparallel 9.1), translated for both engines plus SQLite `GLOB`. */
import { type Alternation, type CharRange, cp, shown, type Term, unreachable } from "./ast";
import { emitAlternation } from "./emit";
import { checkLength, PatternError, type TranslatedGlob } from "./types";

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
        unreachable(token);
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
        unreachable(token);
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
  return { re2: emitAlternation(ast, "re2"), pg: emitAlternation(ast, "pg"), sqliteGlob: globToSqlite(tokens) };
}
