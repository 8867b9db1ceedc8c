/**
 * When changes are delivered: only after their transaction commits, never for a rolled-back one; and how bulk
 * changes and full buffers end a subscription with LIMIT_EXCEEDED instead of queueing without bound. Both stores.
 */
import type { Client } from "graphql-ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { DEFAULT_SUBSCRIPTIONS } from "../../src/config";
import { Database } from "../../src/db/database";
import { parseDatabaseUrl } from "../../src/db/database-url";
import type { Dialect } from "../../src/dialect";
import type { App } from "../../src/server/app";
import { DIALECTS } from "../support/databases";
import { startTestHttp } from "../support/gateway";
import { LiveSubscriptions, openClient, waitFor } from "../support/subscriptions";

const INSERT = `INSERT INTO "task_records" ("msg_id", "label") VALUES (:id, 'tx')`;
const WATCH = `subscription { taskRecordChanged { kind msgId } }`;

describe.each(DIALECTS)("delivery on %s", (dialect: Dialect) => {
  let app: App & { databaseUrl: string };
  let client: Client;
  const subscriptions = new LiveSubscriptions(
    () => app,
    () => client,
  );

  beforeAll(async () => {
    app = await startTestHttp(dialect, {
      subscriptions: { ...DEFAULT_SUBSCRIPTIONS, buffer: 5, deleteImages: 3 },
    });
    client = openClient(app.url);
  });
  afterEach(() => subscriptions.endAll());
  afterAll(async () => {
    await client?.dispose();
    await app?.close();
  });

  const live = (query = WATCH, variables?: Record<string, unknown>) => subscriptions.start(query, variables);

  it("delivers a change once its transaction commits, not before", async () => {
    const changes = await live();
    const db = app.services.context.requireDb();
    let committedAt = 0;
    await db.transaction(async (tx) => {
      await tx.run(INSERT, { id: "slow-commit" });
      // Open for 300 ms after the write: nothing may arrive meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(changes.results).toEqual([]);
      committedAt = Date.now();
    });
    expect((await changes.next()).data).toEqual({ taskRecordChanged: { kind: "ADDED", msgId: "slow-commit" } });
    expect(Date.now()).toBeGreaterThanOrEqual(committedAt);
  });

  it.runIf(dialect === "sqlite")(
    "SQLite: delivers a write by another connection to the same file (as the import CLI's), read by polling",
    async () => {
      const changes = await live();
      // A second connection of its own, as another process has: this gateway never sees its statements run.
      const other = await Database.open(parseDatabaseUrl(app.databaseUrl) as never);
      try {
        await other.run(INSERT, { id: "from-another-process" });
      } finally {
        await other.close();
      }
      expect((await changes.next()).data).toEqual({
        taskRecordChanged: { kind: "ADDED", msgId: "from-another-process" },
      });
    },
  );

  it("delivers nothing for a rolled-back transaction", async () => {
    const changes = await live();
    const db = app.services.context.requireDb();
    await expect(
      db.transaction(async (tx) => {
        await tx.run(INSERT, { id: "rolled-back" });
        await tx.run(`UPDATE "task_records" SET "label" = 'changed' WHERE "msg_id" = :id`, { id: "rolled-back" });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    // A mutation that fails inside its transaction rolls back what it wrote before the failure, too.
    const failed = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `mutation { addTaskRecords(records: [{msgId: "dup-a"}, {msgId: "dup-a"}]) { msgId } }`,
      }),
    });
    expect(((await failed.json()) as { errors?: unknown[] }).errors?.length).toBeGreaterThan(0);
    await db.run(INSERT, { id: "committed" });
    expect((await changes.next()).data).toEqual({ taskRecordChanged: { kind: "ADDED", msgId: "committed" } });
    await changes.quiet(300);
  });

  it("a bulk delete (more rows than HUBQL_SUBSCRIPTION_DELETE_IMAGES) ends subscriptions with LIMIT_EXCEEDED", async () => {
    const db = app.services.context.requireDb();
    for (let i = 0; i < 5; i++) await db.run(INSERT, { id: `bulk-${i}` });
    const watching = await live(`subscription { taskRecordChanged(filter: {label: "tx"}) { kind msgId } }`);
    await app.services.taskPurge.purge({ filter: { msgId: { $regex: "^bulk-" } }, force: true });
    await watching.ended();
    // SQLite's budget is per read of the log, so its first deletions may still come with their before-image (and
    // the inserts, committed just before the subscription started, may be announced to it too).
    const last = watching.results.at(-1);
    for (const result of watching.results.slice(0, -1)) {
      expect(result.data).toMatchObject({ taskRecordChanged: { kind: expect.stringMatching(/^(ADDED|DELETED)$/) } });
    }
    expect(last?.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "bulkChange" });
    expect(last?.errors?.[0]?.message).toMatch(/re-read/);
    expect(watching.error).toBeUndefined(); // a result with the error, then `complete`
  });

  it("purging every record is one bulk deletion (TRUNCATE; SQLite's trigger-less DELETE), and capture goes on after it", async () => {
    const db = app.services.context.requireDb();
    for (let i = 0; i < 2; i++) await db.run(INSERT, { id: `all-${i}` });
    const before = await captureTriggers(db);
    const watching = await live();
    const { count } = await app.services.taskPurge.purge({ all: true, force: true });
    expect(count).toBeGreaterThanOrEqual(2);
    await watching.ended();
    const last = watching.results.at(-1);
    // Two rows, within the before-image budget, yet announced as one bulk deletion of every record.
    expect(last?.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "bulkChange", count });
    expect(watching.results.filter((r) => JSON.stringify(r).includes("DELETED"))).toEqual([]);
    expect(await captureTriggers(db)).toEqual(before);
    const next = await live();
    await db.run(INSERT, { id: "after-all" });
    expect((await next.next()).data).toEqual({ taskRecordChanged: { kind: "ADDED", msgId: "after-all" } });
  });

  it("a delete within the budget is delivered with its before-image filtered like the list", async () => {
    const db = app.services.context.requireDb();
    for (let i = 0; i < 3; i++) await db.run(INSERT, { id: `few-${i}` });
    const watching = await live(`subscription($f: Filter) { taskRecordChanged(filter: $f) { kind msgId } }`, {
      f: { msgId: { $in: ["few-0", "few-2"] } },
    });
    await app.services.taskPurge.purge({ filter: { msgId: { $regex: "^few-" } }, force: true });
    // One statement deletes both: their order within it is the database's. (The inserts, committed just before
    // the subscription started, may still be announced to it: a change feed is no snapshot.)
    await waitFor(() => watching.results.filter((r) => JSON.stringify(r).includes("DELETED")).length >= 2);
    const got = watching.results
      .map((result) => result.data)
      .filter((data) => JSON.stringify(data).includes("DELETED"))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(got).toEqual([
      { taskRecordChanged: { kind: "DELETED", msgId: "few-0" } },
      { taskRecordChanged: { kind: "DELETED", msgId: "few-2" } },
    ]);
    await watching.quiet(200);
  });

  it("more changes than HUBQL_SUBSCRIPTION_BUFFER at once end the subscription with LIMIT_EXCEEDED", async () => {
    const watching = await live();
    const other = await live(`subscription { taskRecordChanged(filter: {label: "none of these"}) { kind msgId } }`);
    await app.services.tasks.add(Array.from({ length: 20 }, (_, i) => ({ msgId: `burst-${i}`, label: "burst" })));
    await watching.ended();
    const results = watching.results;
    const last = results.at(-1);
    expect(last?.errors?.[0]?.extensions).toMatchObject({
      code: "LIMIT_EXCEEDED",
      limit: "subscriptionBuffer",
      maximum: 5,
    });
    expect(results.length).toBeLessThanOrEqual(7); // at most the buffer's worth (+ one in hand) before the error
    // The other subscription on the same connection, whose filter matched none, carries on.
    expect(other.completed).toBe(false);
  });
});

/** The change-capture triggers on task_records, as the catalogue has them. */
async function captureTriggers(db: Database): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    db.dialect === "postgres"
      ? `SELECT tgname AS "name" FROM pg_trigger WHERE tgrelid = 'task_records'::regclass AND NOT tgisinternal ORDER BY 1`
      : `SELECT "name" FROM "sqlite_master" WHERE "type" = 'trigger' AND "tbl_name" = 'task_records' ORDER BY 1`,
  );
  expect(rows.length).toBeGreaterThanOrEqual(3);
  return rows.map((row) => row.name);
}
