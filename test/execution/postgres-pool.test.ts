/**
 * A Postgres store opens a request's share of its pool before the first request, and keeps it open when idle:
 * a connection opened on demand cost a reader 80 ms on a loaded machine (fork and login), the first time two
 * statements ran at once (src/db/postgres-engine.ts, `warm`).
 */
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Database } from "../../src/db/database";
import { parseDatabaseUrl } from "../../src/db/database-url";
import { createPostgresDatabase } from "../support/databases";

/** pg-pool closes a connection idle this long unless the pool's `min` keeps it (its default, which hubql keeps). */
const POOL_IDLE_TIMEOUT_MS = 10_000;

describe("the Postgres pool", () => {
  let db: Database;
  let observer: Client;

  /** The store's own backends: every client connection to its database but the observer's (not autovacuum's). */
  const backends = async (): Promise<number> => {
    const { rows } = await observer.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    return Number(rows[0]?.n);
  };

  beforeAll(async () => {
    const url = await createPostgresDatabase();
    observer = new Client({ connectionString: url });
    await observer.connect();
    db = await Database.open(parseDatabaseUrl(url) as { kind: "postgres"; url: string }, {
      connections: 6,
      requestConnections: 2,
    });
  });
  afterAll(async () => {
    await db?.close();
    await observer?.end();
  });

  it("has a request's share open before the first request, and serves that many statements at once from it", async () => {
    expect(await backends()).toBe(2);
    const pids = await Promise.all(
      [0, 1].map(() => db.query<{ pid: number }>(`SELECT pg_backend_pid() AS "pid", pg_sleep(0.05)`)),
    );
    expect(new Set(pids.map(([row]) => row?.pid)).size).toBe(2);
    expect(await backends()).toBe(2);
  });

  it("keeps them open past the pool's idle timeout", async () => {
    await new Promise((resolve) => setTimeout(resolve, POOL_IDLE_TIMEOUT_MS + 1000));
    expect(await backends()).toBe(2);
  }, 30_000);
});
