/**
 * Timing primitives. A row and its reference are always measured interleaved — one call each in turn for
 * latency, alternating short blocks for throughput — so drift on a shared machine hits both alike.
 */
export type Operation = () => Promise<unknown>;

export interface Latency {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

/** Every call runs at least this often, so a tiny smoke run still has samples. */
const MIN_CALLS = 3;
/** Calls of each side before timing starts (JIT, caches, connections); fewer in a run of a few tenths of a second. */
const WARMUP_CALLS = 20;

export function summarize(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0, count: sorted.length };
}

export async function timed(op: Operation): Promise<number> {
  const started = performance.now();
  await op();
  return performance.now() - started;
}

/** `a` and `b` one call each in turn, for `seconds` in all: the latency (ms) of each. */
export async function interleavedLatency(a: Operation, b: Operation, seconds: number): Promise<[Latency, Latency]> {
  const warmup = Math.min(WARMUP_CALLS, Math.max(2, Math.round(seconds * 20)));
  for (let i = 0; i < warmup; i++) await Promise.all([a(), b()]);
  const times: [number[], number[]] = [[], []];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline || times[0].length < MIN_CALLS) {
    times[0].push(await timed(a));
    times[1].push(await timed(b));
  }
  return [summarize(times[0]), summarize(times[1])];
}

/**
 * Throughput (calls/s) of `a` and of `b`, each with `clients` concurrent callers, alternating blocks of `block`
 * seconds until each has had `seconds`.
 */
export async function interleavedThroughput(
  a: Operation,
  b: Operation,
  clients: number,
  seconds: number,
  block = 0.5,
): Promise<[number, number]> {
  const totals = [
    { calls: 0, ms: 0 },
    { calls: 0, ms: 0 },
  ];
  const blocks = Math.max(1, Math.round(seconds / block));
  for (let i = 0; i < blocks; i++) {
    for (const [side, op] of [a, b].entries()) {
      const { calls, ms } = await saturate(op, clients, block);
      totals[side]!.calls += calls;
      totals[side]!.ms += ms;
    }
  }
  return [totals[0]!, totals[1]!].map(({ calls, ms }) => (calls / ms) * 1000) as [number, number];
}

/** `clients` callers repeating `op` for `seconds`: calls made and the time they took (ms). */
export async function saturate(
  op: Operation,
  clients: number,
  seconds: number,
): Promise<{ calls: number; ms: number }> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let calls = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      do {
        await op();
        calls++;
      } while (performance.now() < deadline);
    }),
  );
  return { calls, ms: performance.now() - started };
}
