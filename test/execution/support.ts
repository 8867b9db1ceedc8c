/**
 * What the execution-model tests share: what "nothing left running" means on each store, polling for it, and
 * timing a request.
 */
import type { Database } from "../../src/db/database";

export { type Probe, quantile, sampleDuring, timed } from "../support/latency";

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

/**
 * The store's execution counters once they settle at idle: a cancelled or finished statement's connection goes back
 * to the pool when its last message is handled, a moment after the caller's answer (later on a loaded machine).
 */
export function idleStats(db: Database): Promise<ReturnType<Database["executionStats"]>> {
  return eventually(
    async () => db.executionStats(),
    (stats) => stats.active === 0 && stats.waiting === 0 && stats.retiring === 0,
  );
}
