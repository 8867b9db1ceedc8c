/**
 * A SQLite thread retired at a request's deadline (src/db/sqlite-thread.ts) lets its statement end as SQLite ends it,
 * failures included, then closes its connection and exits; the process goes on. Terminating the thread instead
 * aborted the whole process (V8 fatal error in better-sqlite3's ThrowSqliteError) when the statement then failed:
 * a write that waited past its deadline for another connection's lock, a read that failed after its deadline.
 * If that comes back, this file's test process dies and the file fails.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import BetterSqlite3 from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { RequestScope } from "../../src/db/request-scope";
import { SqliteEngine } from "../../src/db/sqlite-engine";
import { eventually, timed } from "./support";

const BUSY_TIMEOUT_MS = 1500;
const DEADLINE = { extensions: { code: "LIMIT_EXCEEDED", limit: "requestTimeout" } };

/** A read that counts to five million (about 0.7 s on a 2-core machine) and then fails in SQLite: malformed JSON. */
const FAILS_LATE = `SELECT json_extract('not json', '$') AS v FROM (
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000) SELECT max(x) AS m FROM c
) WHERE m > 0`;

describe("a SQLite thread retired at a deadline", () => {
  let dir: string;
  let file: string;
  let engine: SqliteEngine;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hubql-sqlite-retire-"));
    file = join(dir, "store.db");
    const setup = new BetterSqlite3(file);
    setup.pragma("journal_mode = WAL");
    setup.exec("CREATE TABLE t (x INTEGER)");
    setup.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    engine = await SqliteEngine.start({
      file,
      readers: 2,
      share: 2,
      busyTimeoutMs: BUSY_TIMEOUT_MS,
      ping: async () => undefined,
    });
  });
  afterEach(() => engine.close());

  const retiredThreadsGone = () =>
    eventually(
      async () => engine.stats().retiring,
      (n) => n === 0,
      10_000,
    );

  it("outlives a write that waits for another connection's lock past its deadline, then writes", async () => {
    const other = new BetterSqlite3(file);
    other.exec("BEGIN IMMEDIATE");
    try {
      const { value: error, ms } = await timed(() =>
        engine.run("INSERT INTO t VALUES (1)", [], new RequestScope(150)).catch((e: unknown) => e),
      );
      expect(error).toMatchObject(DEADLINE);
      expect(ms).toBeLessThan(BUSY_TIMEOUT_MS);
      // The retired writer's statement fails with SQLITE_BUSY meanwhile: the process lives through it.
      expect(await retiredThreadsGone()).toBe(0);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect((await engine.run("INSERT INTO t VALUES (2)", [], undefined)).affected).toBe(1);
    expect((await engine.run("SELECT x FROM t", [], undefined)).rows).toEqual([{ x: 2 }]);
    await engine.run("DELETE FROM t", [], undefined);
  });

  it("outlives a read that fails in SQLite after its deadline, then reads", async () => {
    const { value: error, ms } = await timed(() =>
      engine.run(FAILS_LATE, [], new RequestScope(100)).catch((e: unknown) => e),
    );
    expect(error).toMatchObject(DEADLINE);
    expect(ms).toBeLessThan(600);
    expect(await retiredThreadsGone()).toBe(0);
    // Both readers answer (the retired one was replaced), and the statement fails as SQLite says when given time.
    const reads = await Promise.all([1, 2].map(() => engine.run("SELECT 1 AS one", [], undefined)));
    expect(reads.map((read) => read.rows)).toEqual([[{ one: 1 }], [{ one: 1 }]]);
    await expect(engine.run(FAILS_LATE, [], undefined)).rejects.toThrow(/malformed JSON/);
  });

  it("closes the engine while a write waits for a lock: close returns once the write has failed", async () => {
    const other = new BetterSqlite3(file);
    other.exec("BEGIN IMMEDIATE");
    try {
      const write = engine.run("INSERT INTO t VALUES (3)", [], undefined).catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { ms } = await timed(() => engine.close());
      expect(ms).toBeLessThan(BUSY_TIMEOUT_MS + 2000);
      expect(await write).toBeInstanceOf(Error);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    const check = new BetterSqlite3(file, { readonly: true });
    expect(check.prepare("SELECT COUNT(*) AS n FROM t").get()).toEqual({ n: 0 });
    check.close();
  });
});
