/**
 * Large purges (docs/hub-operations.md): batches walk the `submitted` index (records without `submitted` first,
 * then by `submitted`, ties by msg_id byte-wise), so every batch costs what it deletes; `all` with nothing to keep
 * is one TRUNCATE; counts, maxLimit, keptIncomplete and dryRun answer as before; readers keep answering while a
 * purge or a retention cull runs.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { DEFAULT_LIMITS } from "../../src/config";
import { type Instant, instantFromDate } from "../../src/dialect";
import type { TaskRecordData } from "../../src/services/tasks/task-record.model";
import { PURGE_BATCH_SIZE } from "../../src/services/tasks/task-purge.service";
import type { App } from "../../src/server/app";
import { DIALECTS } from "../support/databases";
import { countStatements, startTestGateway, startTestHttp, type TestGateway } from "../support/gateway";
import { type Probe, sampleDuring } from "./support";

const BASE = Date.UTC(2026, 0, 1);

/** Epoch milliseconds as an instant. */
const at = (ms: number) => instantFromDate(new Date(ms)) as Instant;

/** Record `i`: every 10th without `submitted`, others in groups of three sharing one instant; ids of both cases. */
function record(i: number, extra: Partial<TaskRecordData> = {}): TaskRecordData {
  const id = `${i % 2 === 0 ? "R" : "r"}-${String(i).padStart(6, "0")}`;
  return {
    msgId: id,
    submitted: i % 10 === 0 ? null : at(BASE + Math.floor(i / 3) * 1000),
    started: at(BASE),
    completed: at(BASE + 1),
    queue: i % 4 === 3 ? "mux" : "task",
    ...extra,
  } as TaskRecordData;
}

/** The `submitted` index's order: `submitted` (nulls first), then insertion order (`seq`; records go in by `i`). */
function indexOrder(a: TaskRecordData, b: TaskRecordData): number {
  const time = (r: TaskRecordData) => (r.submitted ? Date.parse(r.submitted) : -Infinity);
  const inserted = (r: TaskRecordData) => Number(r.msgId.slice(2));
  return time(a) - time(b) || inserted(a) - inserted(b);
}

async function addAll(gw: { services: TestGateway["services"] }, records: TaskRecordData[]): Promise<void> {
  for (let from = 0; from < records.length; from += 5000) await gw.services.tasks.add(records.slice(from, from + 5000));
}

async function storedIds(gw: TestGateway): Promise<string[]> {
  return (await gw.services.tasks.dbQuery({}, ["msg_id"])).map((row) => row["msg_id"] as string).sort();
}

describe.each(DIALECTS)("large purges on %s", (dialect) => {
  let gw: TestGateway;
  const total = 2 * PURGE_BATCH_SIZE + 700;
  const records = Array.from({ length: total }, (_, i) => record(i));
  const matching = records.filter((r) => r.queue === "task").sort(indexOrder);
  const others = records.filter((r) => r.queue !== "task");

  beforeEach(async () => {
    gw = await startTestGateway(dialect, { maxPageSize: 100 });
    await addAll(gw, records);
  }, 120_000);
  afterEach(() => gw.close());

  it("deletes by filter in batches of the submitted index, everything matching and nothing else", async () => {
    const dry = await gw.services.taskPurge.purge({ filter: { queue: "task" }, dryRun: true });
    expect(dry).toMatchObject({ count: matching.length, msgIdsTruncated: true, dryRun: true });
    expect(dry.msgIds).toEqual(matching.slice(0, 100).map((r) => r.msgId));
    await expect(
      gw.services.taskPurge.purge({ filter: { queue: "task" }, maxLimit: matching.length - 1 }),
    ).rejects.toMatchObject({
      extensions: { code: "LIMIT_EXCEEDED" },
    });
    expect(await storedIds(gw)).toHaveLength(total);

    const { result, statements } = await countStatements(gw.services, () =>
      gw.services.taskPurge.purge({ filter: { queue: "task" }, maxLimit: matching.length }),
    );
    expect(result).toMatchObject({ count: matching.length, keptIncomplete: 0, msgIdsTruncated: true });
    expect(result.msgIds).toEqual(matching.slice(0, 100).map((r) => r.msgId));
    expect(await storedIds(gw)).toEqual(others.map((r) => r.msgId).sort());
    // One DELETE a batch; one more (deleting nothing, Postgres) when the last batch came out exactly full.
    const deletes = statements.filter((sql) => /\bDELETE\b/.test(sql)).length;
    expect(deletes).toBeGreaterThanOrEqual(Math.ceil(matching.length / PURGE_BATCH_SIZE));
    expect(deletes).toBeLessThanOrEqual(Math.ceil(matching.length / PURGE_BATCH_SIZE) + 1);
    // Every batch reads in index order from where the last one ended.
    for (const sql of statements.filter((text) => /ORDER BY t\."submitted" ASC NULLS FIRST/.test(text))) {
      expect(sql).toMatch(/t\."seq" ASC/);
    }
  });

  it("keeps what `all` must keep, batch by batch, and counts it", async () => {
    await addAll(gw, [record(total + 1, { completed: null }), record(total + 2, { completed: null, submitted: null })]);
    const { result, statements } = await countStatements(gw.services, () => gw.services.taskPurge.purge({ all: true }));
    expect(result).toMatchObject({ count: total, keptIncomplete: 2 });
    expect(result.msgIds).toEqual(
      [...records]
        .sort(indexOrder)
        .slice(0, 100)
        .map((r) => r.msgId),
    );
    expect(statements.some((sql) => /TRUNCATE/.test(sql))).toBe(false);
    expect(await storedIds(gw)).toEqual([record(total + 1).msgId, record(total + 2).msgId].sort());
  });

  it("truncates when `all` keeps nothing, after checking maxLimit and answering dry runs as before", async () => {
    expect(await gw.services.taskPurge.purge({ all: true, dryRun: true })).toMatchObject({
      count: total,
      dryRun: true,
    });
    await expect(gw.services.taskPurge.purge({ all: true, maxLimit: total - 1 })).rejects.toMatchObject({
      extensions: { code: "LIMIT_EXCEEDED" },
    });
    expect(await storedIds(gw)).toHaveLength(total);
    const { result, statements } = await countStatements(gw.services, () =>
      gw.services.taskPurge.purge({ all: true, maxLimit: total }),
    );
    expect(result).toMatchObject({ count: total, keptIncomplete: 0, msgIdsTruncated: true });
    expect(result.msgIds).toEqual(
      [...records]
        .sort(indexOrder)
        .slice(0, 100)
        .map((r) => r.msgId),
    );
    const truncation = dialect === "postgres" ? /^TRUNCATE "task_records"$/ : /^DELETE FROM "task_records"$/;
    expect(statements.filter((sql) => truncation.test(sql))).toHaveLength(1);
    expect(statements.filter((sql) => /^\s*DELETE\b/.test(sql))).toHaveLength(dialect === "postgres" ? 0 : 1);
    // SQLite's truncate optimisation needs a table without triggers: capture's are dropped and made again around it.
    const triggers = statements.filter((sql) => /^\s*(DROP|CREATE) TRIGGER/.test(sql)).length;
    expect(triggers).toBe(dialect === "postgres" ? 0 : 6);
    expect(await storedIds(gw)).toEqual([]);
    // Forced: the same, counted without maxLimit.
    await addAll(gw, records.slice(0, 50));
    expect(await gw.services.taskPurge.purge({ all: true, force: true })).toMatchObject({ count: 50 });
  });

  it("reads no ids when the selection has no msgIds, and still says whether the list would be cut", async () => {
    const purge = (target: { filter: unknown } | { all: true }, fields: string) =>
      countStatements(gw.services, () =>
        gw.ok<{ purgeTaskRecords: Record<string, unknown> }>(
          `fragment F on PurgeResult { ${fields} }
           mutation($filter: Filter, $all: Boolean) { purgeTaskRecords(filter: $filter, all: $all) { ...F } }`,
          target,
        ),
      );
    // The listing reads in index order (the check for pending ids reads by msg_id, and stays).
    const readsIds = (statements: string[]) =>
      statements.some((sql) => /^\s*SELECT\b[^;]*AS "msgId"[^;]*ORDER BY t\."submitted"/.test(sql));
    const byIds = (from: number, n: number) => ({
      filter: { msgId: { $in: records.slice(from, from + n).map((r) => r.msgId) } },
    });

    // One statement (under maxPageSize = 100, and over it), in batches, and truncation.
    const few = await purge(byIds(0, 30), "count msgIdsTruncated");
    expect(few.result.purgeTaskRecords).toEqual({ count: 30, msgIdsTruncated: false });
    const more = await purge(byIds(30, 150), "count msgIdsTruncated");
    expect(more.result.purgeTaskRecords).toEqual({ count: 150, msgIdsTruncated: true });
    const batched = await purge({ filter: { queue: "task" } }, "count msgIdsTruncated keptIncomplete");
    const tasks = matching.filter((r) => Number(r.msgId.slice(2)) >= 180).length;
    expect(tasks).toBeGreaterThan(PURGE_BATCH_SIZE);
    expect(batched.result.purgeTaskRecords).toEqual({ count: tasks, msgIdsTruncated: true, keptIncomplete: 0 });
    const all = await purge({ all: true }, "count msgIdsTruncated");
    expect(all.result.purgeTaskRecords).toEqual({ count: total - 180 - tasks, msgIdsTruncated: true });
    for (const { statements } of [few, more, batched, all]) expect(readsIds(statements)).toBe(false);
    expect(await storedIds(gw)).toEqual([]);

    // Selected (through a fragment), the ids are read and listed as before.
    await addAll(gw, records);
    const listed = await purge({ all: true }, "msgIds msgIdsTruncated");
    expect(listed.result.purgeTaskRecords).toEqual({
      msgIds: [...records]
        .sort(indexOrder)
        .slice(0, 100)
        .map((r) => r.msgId),
      msgIdsTruncated: true,
    });
    expect(readsIds(listed.statements)).toBe(true);
  });
});

/**
 * The probes' 90th percentile, and never the single worst probe: of fewer than ten, the 90th percentile is the
 * worst alone, and with nothing running one probe in a full test run took 77 ms. A reader held up by the work is
 * slow in every probe that meets a batch, not in one.
 */
function besideTheWorst(latencies: readonly number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 2, Math.floor(sorted.length * 0.9)))] ?? 0;
}

describe.each(DIALECTS)("readers while bulk work runs on %s", (dialect) => {
  let app: App;

  afterEach(() => app.close());

  /** /healthz and a one-record query side by side. */
  const readers = (): Probe => ({
    url: app.url,
    requests: [
      { path: "/healthz" },
      { path: "/graphql", body: { query: `{ taskRecords(first: 1) { edges { node { msgId } } } }` } },
    ],
  });

  it("answer in under 100 ms while a purge deletes batch after batch", async () => {
    app = await startTestHttp(dialect, { limits: { ...DEFAULT_LIMITS, requestTimeoutMs: 120_000 } });
    await addAll(
      app,
      Array.from({ length: 120_000 }, (_, i) => record(i)),
    );
    const purge = () =>
      fetch(`${app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `mutation { purgeTaskRecords(filter: "{\\"queue\\": \\"task\\"}") { count } }` }),
      }).then((response) => response.json());
    const { workMs, latencies, baseline } = await sampleDuring(purge, readers());
    // What is asserted is that the probes taken meanwhile were quick, not how long the purge took. 90,000 records
    // match, 18 batches: Postgres deletes them fast, and 30,000 gave it time for only 3–6 probes.
    expect(latencies.length).toBeGreaterThan(0);
    expect(besideTheWorst(latencies)).toBeLessThan(100 + baseline);
    expect(Math.max(...latencies)).toBeLessThan(Math.max(100, workMs / 2));
  }, 120_000);

  it("answer in under 100 ms while ingest over a retention limit culls", async () => {
    app = await startTestHttp(dialect, {
      limits: {
        ...DEFAULT_LIMITS,
        requestTimeoutMs: 120_000,
        retention: { recordLimit: 10_000, sizeLimit: null, cullFraction: 0.2 },
      },
    });
    await addAll(
      app,
      Array.from({ length: 10_000 }, (_, i) => record(i)),
    );
    // Batches of 1,000, as the bench's retention row sends them: the event loop's longest stretch while one is added
    // is a scavenge of its records, 10–14 ms (19–23 ms with batches of 2,000) on this 2-core machine.
    const ingest = async () => {
      for (let from = 10_000; from < 30_000; from += 1000) {
        await app.services.tasks.add(Array.from({ length: 1000 }, (_, k) => record(from + k)));
      }
    };
    const { workMs, latencies, baseline } = await sampleDuring(ingest, readers());
    expect(latencies.length).toBeGreaterThan(3);
    expect(besideTheWorst(latencies)).toBeLessThan(100 + baseline);
    expect(Math.max(...latencies)).toBeLessThan(Math.max(100, workMs / 2));
    const [count] = await (app.services.context.db as NonNullable<typeof app.services.context.db>).query<{
      n: number | string;
    }>(`SELECT COUNT(*) AS "n" FROM "task_records"`);
    expect(Number(count?.n)).toBeLessThanOrEqual(10_000);
  }, 120_000);
});
