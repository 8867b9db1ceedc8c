/**
 * HUBQL_REQUEST_TIMEOUT_MS bounds a request's database work on both stores: past the deadline the request gets
 * LIMIT_EXCEEDED (a documented code, no SQL text) at once, its running statement is cancelled (Postgres:
 * pg_cancel_backend; SQLite: its worker thread is retired), its transaction rolled back, and nothing is left
 * running or locked. The bounds on elapsed time here are about correctness (answered at the deadline rather than
 * when a 30 s statement ends), not speed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DEFAULT_LIMITS } from "../../src/config";
import { instantFromDate } from "../../src/dialect";
import type { Database } from "../../src/db/database";
import { RequestScope } from "../../src/db/request-scope";
import { SQLITE_REGEXP_FUNCTION } from "../../src/dialect";
import type { App } from "../../src/server/app";
import { DIALECTS } from "../support/databases";
import { startTestGateway, startTestHttp, type TestGateway } from "../support/gateway";
import { eventually, heldLocks, idleStats, runningStatements, timed } from "./support";

/**
 * A statement that runs for ever unless cancelled. On SQLite it calls the regexp function (JavaScript) on every
 * row, where a retired thread stops; a statement that never calls back into JavaScript stops only when SQLite
 * returns (docs/security.md).
 */
function endless(db: Database): string {
  return db.dialect === "postgres"
    ? "SELECT pg_sleep(30)"
    : `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
       SELECT COUNT(*) AS "n" FROM c WHERE ${SQLITE_REGEXP_FUNCTION}('^$', 'u', CAST(x AS TEXT))`;
}

const DEADLINE = { extensions: { code: "LIMIT_EXCEEDED", limit: "requestTimeout" } };

describe.each(DIALECTS)("the request deadline on %s", (dialect) => {
  let gw: TestGateway;
  let db: Database;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    db = gw.services.context.db as Database;
  });
  afterAll(() => gw.close());

  it("answers LIMIT_EXCEEDED at the deadline, cancels the statement and frees its connection", async () => {
    const scope = new RequestScope(200);
    const { value: error, ms } = await timed(() =>
      db
        .forRequest(scope)
        .query(endless(db))
        .catch((e: unknown) => e),
    );
    expect(error).toMatchObject(DEADLINE);
    expect((error as Error).message).toMatch(/HUBQL_REQUEST_TIMEOUT_MS \(200 ms\)/);
    expect((error as Error).message).not.toMatch(/SELECT|WITH|pg_sleep/);
    expect(ms).toBeLessThan(5000);
    expect(
      await eventually(
        () => runningStatements(db),
        (n) => n === 0,
      ),
    ).toBe(0);
    expect(await idleStats(db)).toMatchObject({ active: 0, waiting: 0, retiring: 0 });
    expect(await db.query(`SELECT 1 AS "one"`)).toEqual([{ one: 1 }]);
  });

  it("rolls a transaction back and leaves nothing locked: the next writer goes straight through", async () => {
    const scope = new RequestScope(200);
    const work = db.forRequest(scope).transaction(async (tx) => {
      await tx.query(`INSERT INTO "task_records" ("msg_id") VALUES (:id)`, { id: "written-before-deadline" });
      await tx.query(endless(db));
    });
    await expect(work).rejects.toMatchObject(DEADLINE);
    expect(
      await eventually(
        () => runningStatements(db),
        (n) => n === 0,
      ),
    ).toBe(0);
    expect(
      await eventually(
        () => heldLocks(db),
        (n) => n === 0,
      ),
    ).toBe(0);
    const { ms } = await timed(() =>
      db.transaction((tx) => tx.query(`INSERT INTO "task_records" ("msg_id") VALUES (:id)`, { id: "after" })),
    );
    expect(ms).toBeLessThan(4000); // below SQLite's 5 s busy timeout: no lock was left behind
    const ids = await db.query<{ id: string }>(`SELECT "msg_id" AS "id" FROM "task_records" ORDER BY "msg_id"`);
    expect(ids.map((row) => row.id)).toEqual(["after"]);
    await db.query(`DELETE FROM "task_records"`);
  });

  it("refuses the request's later statements, and those waiting for a connection, without running them", async () => {
    const scope = new RequestScope(150);
    const scoped = db.forRequest(scope);
    const many = Promise.all(Array.from({ length: 20 }, () => scoped.query(endless(db))));
    await expect(many).rejects.toMatchObject(DEADLINE);
    await expect(scoped.query(`SELECT 1`)).rejects.toMatchObject(DEADLINE);
    expect(
      await eventually(
        () => runningStatements(db),
        (n) => n === 0,
      ),
    ).toBe(0);
    expect(await idleStats(db)).toMatchObject({ active: 0, waiting: 0 });
  });
});

describe.each(DIALECTS)("a GraphQL request past HUBQL_REQUEST_TIMEOUT_MS on %s", (dialect) => {
  let app: App;

  beforeAll(async () => {
    app = await startTestHttp(dialect, { limits: { ...DEFAULT_LIMITS, requestTimeoutMs: 100 } });
    const records = Array.from({ length: 20_000 }, (_, i) => ({
      msgId: `r-${i}`,
      submitted: instantFromDate(new Date(Date.UTC(2026, 0, 1) + i * 1000)),
      resultContent: { status: i % 7 === 0 ? "error" : "ok", detail: `detail ${i}` },
    }));
    for (let from = 0; from < records.length; from += 5000)
      await app.services.tasks.add(records.slice(from, from + 5000));
  }, 120_000);
  afterAll(() => app.close());

  it("is answered LIMIT_EXCEEDED over HTTP with no SQL text, and the server goes on answering", async () => {
    const aliases = Array.from({ length: 200 }, (_, i) => `c${i}: countTaskRecords(filter: $f)`).join(" ");
    const { value: response, ms } = await timed(() =>
      fetch(`${app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `query($f: Filter) { ${aliases} }`,
          variables: { f: { "resultContent.status": "error" } },
        }),
      }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
    expect(body.errors?.length).toBeGreaterThan(0);
    for (const error of body.errors ?? []) {
      expect(error.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "requestTimeout" });
      expect(error.message).not.toMatch(/SELECT|COUNT\(|task_records/);
    }
    expect(ms).toBeLessThan(10_000);
    const db = app.services.context.db as Database;
    expect(
      await eventually(
        () => runningStatements(db),
        (n) => n === 0,
      ),
    ).toBe(0);
    const health = await fetch(`${app.url}/healthz`);
    expect(await health.json()).toEqual({ status: "ok", store: dialect });
  });
});
