/**
 * What the execution-model tests share: what "nothing left running" means on each store, polling for it, and
 * timing a request.
 */
import type { Database } from "../../src/db/database";

/** Statements still running on the store, other than this check's own (Postgres: pg_stat_activity). */
export async function runningStatements(db: Database): Promise<number> {
  if (db.dialect === "sqlite") {
    const stats = db.executionStats();
    return stats.active + stats.retiring;
  }
  const [row] = await db.query<{ n: string | number }>(
    `SELECT COUNT(*) AS "n" FROM pg_stat_activity
      WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
  );
  return Number(row?.n ?? 0);
}

/** Row locks or table locks other sessions hold on the store's tables (Postgres; SQLite: none to see). */
export async function heldLocks(db: Database): Promise<number> {
  if (db.dialect === "sqlite") return 0;
  const [row] = await db.query<{ n: string | number }>(
    `SELECT COUNT(*) AS "n" FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE l.pid <> pg_backend_pid() AND c.relname NOT LIKE 'pg_%' AND l.granted`,
  );
  return Number(row?.n ?? 0);
}

/** Polls `check` until it holds, for at most `ms`; the last value. */
export async function eventually<T>(check: () => Promise<T>, holds: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (holds(value) || performance.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

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
