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
/** At least this many calls of each side before timing starts; fewer in a run of a few tenths of a second. */
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

/**
 * Before a measurement, `a` and `b` run together for as long as the measurement will: a server just started is
 * still compiling its hot code. A fresh hubql's SQLite list (1,000,000 records, one client) took 3.6× its SQL over
 * its first 500 requests, 3.1× over its requests 1,000–1,500 and 2.6–2.7× from about its 2,000th on, its main
 * thread's CPU going from 1,200 to 600 µs a request and its other threads' (V8's compilers among them) from 920 to
 * about 450. With 20 calls of warm-up, a 5 s measurement was mostly that slope.
 */
async function warmUp(a: Operation, b: Operation, seconds: number): Promise<void> {
  const calls = Math.min(WARMUP_CALLS, Math.max(2, Math.round(seconds * 20)));
  const deadline = performance.now() + seconds * 1000;
  for (let i = 0; i < calls || performance.now() < deadline; i++) await Promise.all([a(), b()]);
}

/** `a` and `b` one call each in turn, for `seconds` in all (after `warmUp`): the latency (ms) of each. */
export async function interleavedLatency(a: Operation, b: Operation, seconds: number): Promise<[Latency, Latency]> {
  await warmUp(a, b, seconds);
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
 * seconds until each has had `seconds` (after `warmUp`).
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
  await warmUp(a, b, seconds);
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
