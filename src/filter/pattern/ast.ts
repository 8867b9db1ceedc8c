/** The pattern AST shared by `$regex` and `$glob`, and the character sets both use. */
export interface CharRange {
  readonly from: number;
  readonly to: number;
}

export type Atom =
  | { readonly kind: "char"; readonly cp: number }
  | { readonly kind: "any"; readonly newline: boolean }
  | { readonly kind: "class"; readonly negated: boolean; readonly ranges: readonly CharRange[] }
  | { readonly kind: "group"; readonly body: Alternation }
  | {
      readonly kind: "assert";
      readonly which: "start" | "end" | "lineStart" | "lineEnd" | "endOrFinalNewline" | "word" | "notWord";
    };

export interface Term {
  readonly atom: Atom;
  readonly min: number;
  readonly max: number | null;
}

export type Sequence = readonly Term[];
export type Alternation = readonly Sequence[];

export const DIGITS: readonly CharRange[] = [{ from: 0x30, to: 0x39 }];
export const WORD: readonly CharRange[] = [
  { from: 0x30, to: 0x39 },
  { from: 0x41, to: 0x5a },
  { from: 0x5f, to: 0x5f },
  { from: 0x61, to: 0x7a },
];
// PCRE2 \s: HT, LF, VT, FF, CR, space.
export const SPACE: readonly CharRange[] = [
  { from: 0x09, to: 0x0d },
  { from: 0x20, to: 0x20 },
];
// PCRE2 extended-mode white space (ASCII plus the Unicode "Pattern White Space" characters).
export const X_WHITESPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0x200e, 0x200f, 0x2028, 0x2029]);

export const cp = (s: string): number => s.codePointAt(0) ?? 0;
export const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
export const isHex = (c: number | undefined): boolean =>
  c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
export const isAlnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

export function shown(c: number): string {
  return c < 0x20 || c === 0x7f ? `\\x{${c.toString(16)}}` : String.fromCodePoint(c);
}

export function unreachable(value: never): never {
  throw new Error(`pattern translator: unexpected ${JSON.stringify(value)}`);
}
