/** Timing helpers for the tests that assert latency while other work runs (test/execution, test/security). */

/** `work`'s result and how long it took in ms. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** The `q`-quantile of latencies (0.5: median). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
}

/**
 * Samples `probe` every 20 ms for a second with nothing else running, then until `work` settles. `baseline` is the
 * idle samples' 90th percentile: what the machine's own load costs a probe (other test files, other processes on 2
 * cores). A probe held up by the work waits for a whole batch or the whole job — hundreds of ms to seconds — far
 * beyond 100 ms over that baseline, which is what the tests assert.
 */
export async function sampleDuring(
  work: () => Promise<unknown>,
  probe: () => Promise<unknown>,
): Promise<{ workMs: number; latencies: number[]; baseline: number }> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  const idle: number[] = [];
  for (const until = performance.now() + 1000; performance.now() < until; await pause()) {
    idle.push((await timed(probe)).ms);
  }
  const started = performance.now();
  let done = false;
  const running = work().finally(() => (done = true));
  const latencies: number[] = [];
  while (!done) {
    latencies.push((await timed(probe)).ms);
    await pause();
  }
  await running;
  return { workMs: performance.now() - started, latencies, baseline: quantile(idle, 0.9) };
}
