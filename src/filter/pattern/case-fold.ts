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
