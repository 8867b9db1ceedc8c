import { cp } from "./ast";

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

/** Highest code point with a case mapping (the Adlam block); nothing above it changes case. */
const LAST_CASED = 0x1ffff;
let cased: readonly number[] | null = null;
let casedVariants: readonly (readonly number[])[] = [];

/**
 * Every code point whose case mapping changes it (Unicode's Changes_When_Casemapped), ascending: about 3,000, found
 * once per process by V8's own property class with their variants (~35 ms), so that folding a range costs its cased members only.
 * Before, `[\x{1}-\x{11100}]` with `i` called caseVariants 70,000 times: ~50 ms per pattern, 4.9 s for 100 in one
 * request (issue 12).
 */
function casedCodePoints(): readonly number[] {
  if (cased) return cased;
  const property = /\p{Changes_When_Casemapped}/gu;
  const found: number[] = [];
  const chunk = new Uint16Array(4096);
  for (let start = 0; start < 0x10000; start += chunk.length) {
    // Surrogates stand alone here; replace them by a space, which has no case.
    for (let i = 0; i < chunk.length; i++) chunk[i] = start + i >= 0xd800 && start + i <= 0xdfff ? 0x20 : start + i;
    for (const match of String.fromCharCode(...chunk).matchAll(property)) found.push(cp(match[0]));
  }
  const single = /\p{Changes_When_Casemapped}/u;
  for (let c = 0x10000; c <= LAST_CASED; c++) if (single.test(String.fromCodePoint(c))) found.push(c);
  casedVariants = found.map(caseVariants);
  cased = found;
  return cased;
}

/** The case variants of every member of `[from, to]` that are not `from`…`to` themselves. */
export function rangeCaseVariants(from: number, to: number): number[] {
  const points = casedCodePoints();
  let low = 0;
  let high = points.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((points[middle] ?? 0) < from) low = middle + 1;
    else high = middle;
  }
  const extra: number[] = [];
  for (let i = low; i < points.length && (points[i] ?? Infinity) <= to; i++) {
    for (const variant of casedVariants[i] ?? []) if (variant < from || variant > to) extra.push(variant);
  }
  return extra;
}
