/**
 * A SQLite transaction sends its BEGIN without waiting for the answer: the first statement follows at once
 * (src/db/sqlite-engine.ts). When the BEGIN fails (another process holds the write lock past the busy timeout), the
 * statements sent after it must not run on their own, outside any transaction, and the error is the BEGIN's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SqliteEngine } from "../../src/db/sqlite-engine";

/** The engine's busy timeout: how long its BEGIN waits for the lock another connection holds. */
const BUSY_MS = 200;

describe("SQLite transactions", () => {
  let dir: string;
  let file: string;
  let other: BetterSqlite3.Database;
  let engine: SqliteEngine;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hubql-sqlite-tx-"));
    file = join(dir, "store.db");
    other = new BetterSqlite3(file);
    other.pragma("journal_mode = WAL");
    other.exec("CREATE TABLE t (x INTEGER)");
    engine = await SqliteEngine.start({
      file,
      readers: 1,
      share: 1,
      busyTimeoutMs: BUSY_MS,
      ping: async () => undefined,
    });
  });
  afterAll(async () => {
    await engine?.close();
    other?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = () => (other.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n;

  it("commits every statement of a transaction, sent one after another without waiting", async () => {
    const before = count();
    await engine.transaction(undefined, async (session) => {
      await Promise.all([1, 2, 3].map((x) => session.run("INSERT INTO t (x) VALUES (?)", [x])));
      const { rows } = await session.run("SELECT COUNT(*) AS n FROM t", []);
      expect(rows[0]?.["n"]).toBe(before + 3);
    });
    expect(count()).toBe(before + 3);
  });

  it("runs none of the statements after a BEGIN that failed, and throws the BEGIN's error", async () => {
    const before = count();
    // Held past the BEGIN's busy timeout (BUSY_MS), then let go while the INSERT sent after it could still wait for
    // it: run on its own, that INSERT would succeed.
    other.exec("BEGIN IMMEDIATE");
    const release = setTimeout(() => other.exec("COMMIT"), BUSY_MS * 1.5);
    let ran = false;
    try {
      const failure = await engine
        .transaction(undefined, async (session) => {
          ran = true;
          await session.run("INSERT INTO t (x) VALUES (?)", [10]);
          await session.run("INSERT INTO t (x) VALUES (?)", [11]);
        })
        .then(
          () => null,
          (error: unknown) => error as Error & { code?: string },
        );
      expect(ran).toBe(true);
      expect(failure?.message).toMatch(/locked|busy/i);
      expect(failure?.code).not.toBe("HUBQL_NO_TRANSACTION");
    } finally {
      clearTimeout(release);
      if (other.inTransaction) other.exec("COMMIT");
    }
    // Past the INSERT's own busy timeout: it has run, or been refused, by now.
    await new Promise((resolve) => setTimeout(resolve, BUSY_MS * 2));
    expect(count()).toBe(before);
    // The writer is usable again: its next transaction commits.
    await engine.transaction(undefined, (session) => session.run("INSERT INTO t (x) VALUES (?)", [12]));
    expect(count()).toBe(before + 1);
  });
});
