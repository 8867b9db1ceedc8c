/**
 * Database.pipeline (src/db/database.ts, StoreEngine.script): bulk writes as scripts, each one transaction of
 * statements known in advance, run in the order submitted (on SQLite sent before the one before has answered);
 * after one fails, the rest of its pipeline change nothing, and every other write goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type Database, type ScriptStatement } from "../../src/db/database";
import { openStore } from "../../src/db/open-store";
import type { Dialect } from "../../src/dialect";
import { DIALECTS, freshDatabaseUrl } from "../support/databases";
import { testConfig } from "../support/gateway";

describe.each(DIALECTS)("a write pipeline on %s", (dialect: Dialect) => {
  let db: Database;
  const mark = (p: number) => (dialect === "postgres" ? `$${p}` : "?");
  const insert = (n: number): ScriptStatement => ({
    text: `INSERT INTO pipeline_t (n) VALUES (${mark(1)})`,
    values: [n],
  });
  const stored = async () =>
    (await db.query<{ n: number }>("SELECT n FROM pipeline_t ORDER BY seq")).map((r) => Number(r.n));

  beforeAll(async () => {
    const store = await openStore(testConfig(await freshDatabaseUrl(dialect)));
    if (!store) throw new Error("no store");
    db = store;
    const seq = dialect === "postgres" ? "seq BIGSERIAL PRIMARY KEY" : "seq INTEGER PRIMARY KEY AUTOINCREMENT";
    await db.run(`CREATE TABLE pipeline_t (${seq}, n INTEGER NOT NULL UNIQUE)`);
  });
  afterAll(() => db?.close());

  it("runs scripts submitted at once in the order submitted, each whole, and gives back each statement's result", async () => {
    const pipeline = db.pipeline();
    const returning = (n: number): ScriptStatement => ({
      text: `INSERT INTO pipeline_t (n) VALUES (${mark(1)}) ON CONFLICT (n) DO NOTHING RETURNING n`,
      values: [n],
    });
    const scripts = Array.from({ length: 12 }, (_, i) => [insert(10 * i), returning(10 * i + 1), returning(10 * i)]);
    const results = await Promise.all(scripts.map((script) => pipeline.submit(script)));
    expect(await stored()).toEqual(scripts.flatMap((_, i) => [10 * i, 10 * i + 1]));
    for (const [first, second, third] of results) {
      expect(first?.affected).toBe(1);
      expect(second?.rows.map((row) => Number(row["n"]))).toHaveLength(1);
      // The conflicting row is not returned.
      expect(third?.rows).toEqual([]);
    }
  });

  it("rolls a failing script back whole, changes nothing after it in its pipeline, and leaves other writes alone", async () => {
    await db.run("DELETE FROM pipeline_t");
    const pipeline = db.pipeline();
    const other = db.pipeline();
    const outcomes = await Promise.allSettled([
      pipeline.submit([insert(1)]),
      // A unique violation after a statement that succeeded: neither stays.
      pipeline.submit([insert(2), insert(1)]),
      pipeline.submit([insert(3)]),
      other.submit([insert(4)]),
      db.transaction(async (tx) => void (await tx.run("INSERT INTO pipeline_t (n) VALUES (:n)", { n: 5 }))),
      pipeline.submit([insert(6)]),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
      "fulfilled",
      "rejected",
    ]);
    const failure = (outcomes[1] as PromiseRejectedResult).reason as Error;
    expect(failure.message).toMatch(/unique|duplicate/i);
    // Other pipelines and transactions keep no order with this one on Postgres (pooled connections).
    const byValue = (a: number, b: number) => a - b;
    expect((await stored()).sort(byValue)).toEqual([1, 4, 5]);
    // A script submitted once its pipeline has failed is refused too.
    await expect(pipeline.submit([insert(7)])).rejects.toThrow();
    expect((await stored()).sort(byValue)).toEqual([1, 4, 5]);
  });
});
