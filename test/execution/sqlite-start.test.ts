/**
 * SqliteEngine.start returns once every thread has opened the file and answered (src/db/sqlite-engine.ts): a file
 * that cannot be a store fails the start, with SQLite's reason, instead of the first request after it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SqliteEngine } from "../../src/db/sqlite-engine";

describe("SqliteEngine.start", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hubql-sqlite-start-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (file: string, readers = 2) =>
    SqliteEngine.start({ file, readers, share: 1, busyTimeoutMs: 200, ping: async () => undefined });

  it("fails with SQLite's reason when the file is not a database", async () => {
    const file = join(dir, "not-a-store.db");
    writeFileSync(file, "plain text, not a SQLite database ".repeat(200));
    await expect(start(file)).rejects.toThrow(/not a database/);
    // No reader to fail first: the writer's own failure (setting its pragmas) carries the reason and code too.
    const failure = start(file, 0);
    await expect(failure).rejects.toThrow("file is not a database (SQLITE_NOTADB)");
    await expect(failure).rejects.toMatchObject({ code: "SQLITE_NOTADB" });
  });

  it("fails when the file does not exist (it never creates one)", async () => {
    await expect(start(join(dir, "missing.db"))).rejects.toThrow(/SQLITE_CANTOPEN/);
  });

  it("answers from every thread once started", async () => {
    const file = join(dir, "store.db");
    const setup = new BetterSqlite3(file);
    setup.pragma("journal_mode = WAL");
    setup.exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2)");
    setup.close();
    const engine = await start(file);
    try {
      // Two readers and the writer at once: each answers.
      const reads = await Promise.all([1, 2].map(() => engine.run("SELECT COUNT(*) AS n FROM t", [], undefined)));
      expect(reads.map((read) => read.rows[0]?.["n"])).toEqual([2, 2]);
      expect((await engine.run("INSERT INTO t VALUES (3)", [], undefined)).affected).toBe(1);
    } finally {
      await engine.close();
    }
  });
});
