/**
 * Rows read on SQLite's worker threads come back to the main thread as one JSON text when JSON carries them exactly,
 * else by structured clone (src/db/sqlite-protocol.ts). Either way the values must be those better-sqlite3 gives on
 * the main thread: the same strings (lone surrogates too), numbers (-0 and infinities too), nulls and BLOBs.
 */
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Database } from "../../src/db/database";
import { startTestGateway, type TestGateway } from "../support/gateway";

/** Each row alone, then all together (one row that JSON cannot carry sends the whole result by structured clone). */
const VALUES: readonly [string, readonly unknown[]][] = [
  ["plain text and numbers", ["msg-1", 42, 2.5, null, ""]],
  ["text beyond ASCII", ["é ü 漢字 🧪", "\u2028\u2029", '"quoted" \\ back', "\u0000nul"]],
  ["a lone surrogate", ["a\uD800b", "\uDC00"]],
  ["integers at the edge of exactness", [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0]],
  ["negative zero", [-0]],
  ["infinities", [Infinity, -Infinity]],
  ["a BLOB", [Buffer.from([0, 255, 1, 2])]],
];

describe("rows from SQLite's reader threads", () => {
  let gw: TestGateway;
  let db: Database;
  let direct: BetterSqlite3.Database;

  beforeAll(async () => {
    gw = await startTestGateway("sqlite");
    db = gw.services.context.db as Database;
    direct = new BetterSqlite3(gw.databaseUrl.slice("sqlite:".length), { readonly: true });
  });
  afterAll(async () => {
    direct?.close();
    await gw?.close();
  });

  /** `SELECT ?1 AS "c0", ?2 AS "c1", … UNION ALL …`: one row per list, every value bound. */
  const select = (rows: readonly (readonly unknown[])[]) => {
    const width = Math.max(...rows.map((row) => row.length));
    const padded = rows.map((row) => [...row, ...Array<unknown>(width - row.length).fill(null)]);
    const sql = padded.map((row) => `SELECT ${row.map((_, c) => `? AS "c${c}"`).join(", ")}`).join(" UNION ALL ");
    return { sql, values: padded.flat() };
  };

  it.each(VALUES)("gives %s as better-sqlite3 does", async (_, row) => {
    const { sql, values } = select([row]);
    const expected = direct.prepare(sql).all(...values);
    const { rows } = await db.runPositional(sql, values);
    expect(rows).toEqual(expected);
    // toEqual does not tell -0 from 0.
    expect(rows.map((r) => Object.values(r).map((v) => Object.is(v, -0)))).toEqual(
      expected.map((r) => Object.values(r as object).map((v) => Object.is(v, -0))),
    );
  });

  it("gives every row as better-sqlite3 does when one of them cannot go as JSON", async () => {
    const { sql, values } = select(VALUES.map(([, row]) => row));
    const expected = direct.prepare(sql).all(...values);
    const { rows } = await db.runPositional(sql, values);
    expect(rows).toEqual(expected);
    expect(rows).toHaveLength(VALUES.length);
  });
});
