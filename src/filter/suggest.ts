/**
 * "Did you mean …?" for unknown field names and operators (filter.md § Errors). Internal to the filter compiler.
 */

/** Levenshtein distance with unit costs (insert, delete, substitute). */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate nearest to `input`, or undefined when nothing is close enough. Case and `_` are ignored first
 * (`msgid` → `msgId`, `msgID` → `msg_id`), then at most a third of the input's length (at least 2) may differ.
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const normalise = (s: string): string => s.toLowerCase().replaceAll("_", "");
  const wanted = normalise(input);
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    // Case-insensitive, then exact distance break ties between spellings that normalise alike.
    const score =
      levenshtein(wanted, normalise(candidate)) * 10_000 +
      levenshtein(input.toLowerCase(), candidate.toLowerCase()) * 100 +
      levenshtein(input, candidate);
    if (!best || score < best.score) best = { candidate, score };
  }
  if (!best) return undefined;
  const allowed = Math.max(2, Math.floor(input.length / 3));
  return Math.floor(best.score / 10_000) <= allowed ? best.candidate : undefined;
}

/** `; did you mean 'x'?` or the empty string. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const hit = suggest(input, candidates);
  return hit === undefined ? "" : `; did you mean '${hit}'?`;
}
