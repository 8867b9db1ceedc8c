/**
 * A SQLite reader answers a SELECT's rows as one JSON text that SQLite builds (`json_group_array(json_array(…))`
 * over the statement, src/db/sqlite-json-rows.ts). The rows must be exactly what better-sqlite3 returns for the
 * statement itself: every value, and the statement's order, also where nothing but an ORDER BY without a LIMIT
 * sets it; and statements the JSON cannot carry (BLOBs) or cannot wrap (PRAGMA, repeated column names) still answer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SqliteEngine } from "../../src/db/sqlite-engine";

/** Texts JSON must escape or keep as they are: quotes, backslashes, control characters, line separators, emoji. */
const TEXTS = ["", "plain", 'quo"te', "back\\slash", "tab\tnew\nline\r\u0000nul", "\u2028\u2029", "é😀", '{"a": 1}'];
/** Reals at the edges of what a decimal text must give back exactly. */
const REALS = [0.1, 0.30000000000000004, 1e-300, 5e-324, 1.7976931348623157e308, -2.5, 1 / 3, 123456.789e10];
const INTEGERS = [0, -1, 2 ** 53 - 1, -(2 ** 53), 1234567890123];

describe("SQLite rows as JSON built by SQLite", () => {
  let dir: string;
  let direct: BetterSqlite3.Database;
  let engine: SqliteEngine;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hubql-sqlite-json-"));
    const file = join(dir, "store.db");
    direct = new BetterSqlite3(file);
    direct.pragma("journal_mode = WAL");
    // `n` NUMERIC holds any type, `z` (no type: BLOB affinity) keeps a REAL -0.0 as it is.
    direct.exec("CREATE TABLE v (k INTEGER PRIMARY KEY, t TEXT, r REAL, i INTEGER, b BLOB, n NUMERIC, z)");
    const insert = direct.prepare("INSERT INTO v (k, t, r, i, b, n) VALUES (?, ?, ?, ?, ?, ?)");
    for (let k = 0; k < 2000; k++) {
      insert.run(
        k,
        TEXTS[k % TEXTS.length] ?? null,
        k % 7 === 0 ? null : (REALS[k % REALS.length] ?? 0) * (k % 2 ? 1 : -1),
        INTEGERS[k % INTEGERS.length] ?? null,
        k % 5 === 0 ? Buffer.from([k % 256, 0, 255]) : null,
        k % 3 === 0 ? null : k % 3 === 1 ? `x${k}` : k / 8,
      );
    }
    // -0.0 and an infinite real, which JSON.stringify would turn into 0 and null; text that is not valid UTF-8.
    direct.exec("INSERT INTO v (k, r, i, z) VALUES (5000, -0.0, 1, -0.0), (5001, 9e999, 2, 1.5), (5002, -9e999, 3, 0)");
    direct.exec("INSERT INTO v (k, t) VALUES (5003, CAST(X'ff61c322e2' AS TEXT)), (5004, CAST(X'5c00' AS TEXT))");
    engine = await SqliteEngine.start({ file, readers: 1, share: 1, busyTimeoutMs: 1000, ping: async () => undefined });
  });
  afterAll(async () => {
    await engine?.close();
    direct?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The statement's rows through the engine's reader, and as better-sqlite3 returns them for the same statement. */
  const both = async (sql: string, values: unknown[] = []) => {
    const { rows } = await engine.run(sql, values, undefined);
    return { mine: rows, theirs: direct.prepare(sql).all(...values) as Record<string, unknown>[] };
  };

  it("gives every value back exactly, in the statement's order (ORDER BY without LIMIT)", async () => {
    const { mine, theirs } = await both(`SELECT k, t, r, i, n FROM v ORDER BY (k * 7919) % 2003 DESC, k`);
    expect(mine.length).toBe(2005);
    expect(mine).toEqual(theirs);
    expect(mine.map((row) => row["k"])).toEqual(theirs.map((row) => row["k"]));
    const special = mine.filter((row) => Number(row["k"]) >= 5000).map((row) => row["r"]);
    expect(special.map((r) => Object.is(r, -0) || r)).toEqual(
      theirs.filter((row) => Number(row["k"]) >= 5000).map((row) => Object.is(row["r"], -0) || row["r"]),
    );
    expect(special).toContain(Infinity);
    expect(special).toContain(-Infinity);
  });

  it("keeps the order of a page, of a UNION ALL and of parameters' results", async () => {
    for (const [sql, values] of [
      ["SELECT k, t FROM v WHERE k > ? ORDER BY t DESC, k DESC LIMIT ?", [100, 50]],
      ["SELECT k AS a FROM v WHERE k < 10 UNION ALL SELECT k FROM v WHERE k > 1990 ORDER BY a DESC", []],
      ["SELECT t, COUNT(*) AS n FROM v GROUP BY t ORDER BY n DESC, t", []],
      ["SELECT k FROM v WHERE k < 0", []],
    ] as const) {
      const { mine, theirs } = await both(sql, [...values]);
      expect(mine, sql).toEqual(theirs);
    }
  });

  it("answers rows JSON cannot carry (BLOBs), statements it cannot wrap, and their errors, as before", async () => {
    const blobs = await both("SELECT k, b FROM v WHERE b IS NOT NULL ORDER BY k LIMIT 20");
    expect(blobs.mine).toEqual(blobs.theirs);
    expect(Buffer.isBuffer(blobs.mine[0]?.["b"])).toBe(true);
    // Again, now that the statement is known to hold BLOBs.
    expect((await both("SELECT k, b FROM v WHERE b IS NOT NULL ORDER BY k LIMIT 20")).mine).toEqual(blobs.theirs);
    const repeated = await both("SELECT k AS x, t AS x FROM v ORDER BY k LIMIT 3");
    expect(repeated.mine).toEqual(repeated.theirs);
    const pragma = await both("PRAGMA table_info(v)");
    expect(pragma.mine).toEqual(pragma.theirs);
    // -0.0, which SQLite's JSON prints as 0.0: in a column that keeps it, and from an expression.
    for (const sql of [
      "SELECT k, z FROM v WHERE k >= 5000 ORDER BY k",
      "SELECT k, -0.0 * k AS m FROM v WHERE k = 5000",
    ]) {
      const zeros = await both(sql);
      expect(zeros.mine, sql).toEqual(zeros.theirs);
      expect(
        zeros.mine.map((row) => Object.values(row).map((v) => Object.is(v, -0))),
        sql,
      ).toEqual(zeros.theirs.map((row) => Object.values(row).map((v) => Object.is(v, -0))));
      expect(
        zeros.mine.some((row) => Object.values(row).some((v) => Object.is(v, -0))),
        sql,
      ).toBe(true);
    }
    const failing = "SELECT json(t) FROM v WHERE k = 2";
    const error = await engine.run(failing, [], undefined).catch((e: unknown) => e);
    let expected = "";
    try {
      direct.prepare(failing).all();
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).toBe("malformed JSON");
    expect((error as Error).message).toContain(expected);
  });
});
