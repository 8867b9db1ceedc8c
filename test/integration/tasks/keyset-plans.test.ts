/**
 * Next pages as fast as first pages: the statement hubql runs for page 2 is served from the sort keys' index on
 * both stores — a range seek on the index, no sort step (SQLite: no temp B-tree; Postgres: no Sort node) — in both
 * directions and where the page continues in or after a null group. Checked with each engine's own EXPLAIN on a
 * store big enough (20,000 records, analysed) that the planner prefers the index on its own.
 */
import BetterSqlite3 from "better-sqlite3";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type Instant, instantFromMillis } from "../../../src/dialect";
import type { TaskRecordData } from "../../../src/services/tasks/task-record.model";
import { DIALECTS } from "../../support/databases";
import { startTestGateway, type TestGateway } from "../../support/gateway";

const RECORDS = 20_000;
const BASE = Date.parse("2026-04-01T00:00:00.000Z");
const PAGE = `query Page($filter: Filter, $orderBy: [TaskRecordOrder!], $first: Int, $after: String) {
  taskRecords(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { node { msgId submitted started } }
    pageInfo { endCursor }
  }
}`;

interface Statement {
  sql: string;
  values: readonly unknown[];
}

describe.each(DIALECTS)("page 2 walks the index on %s", (dialect) => {
  let gw: TestGateway;
  let explain: (statement: Statement) => Promise<string[]>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    for (let start = 0; start < RECORDS; start += 5000) {
      const batch: TaskRecordData[] = Array.from({ length: 5000 }, (_, k) => {
        const i = start + k;
        return {
          msgId: `m${String((i * 7919) % RECORDS).padStart(5, "0")}`,
          submitted: instantFromMillis(BASE + i * 1000) as Instant,
          // One in ten has not started: a null group of 2,000 at the start (ascending) or end (descending).
          started: i % 10 === 0 ? null : (instantFromMillis(BASE + i * 1000 + 500) as Instant),
          engineUuid: `engine-${i % 8}`,
        };
      });
      await gw.services.tasks.add(batch);
    }
    const url = gw.databaseUrl;
    if (dialect === "sqlite") {
      const db = new BetterSqlite3(url.slice("sqlite:".length));
      db.exec("ANALYZE");
      explain = async ({ sql, values }) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values) as { detail: string }[]).map((row) => row.detail);
      close = async () => void db.close();
    } else {
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query("ANALYZE");
      explain = async ({ sql, values }) => {
        const result = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, values as unknown[]);
        return planNodes((result.rows[0] as { "QUERY PLAN": { Plan: PlanNode }[] })["QUERY PLAN"][0]!.Plan);
      };
      close = () => client.end();
    }
  }, 120_000);
  afterAll(async () => {
    await close?.();
    await gw?.close();
  });

  /** The statement hubql runs for the page after `cursor` (the first page without one). */
  async function statementOf(orderBy: unknown, cursor: string | null): Promise<Statement> {
    const seen: Statement[] = [];
    const stop = gw.services.context.db!.onStatement((sql, _ms, values) => seen.push({ sql, values }));
    try {
      await gw.ok(PAGE, { orderBy, first: 100, after: cursor });
    } finally {
      stop();
    }
    expect(seen).toHaveLength(1);
    return seen[0]!;
  }

  async function cursorOf(orderBy: unknown, filter?: unknown, first = 100): Promise<string> {
    const data = await gw.ok<{ taskRecords: { pageInfo: { endCursor: string } } }>(PAGE, { orderBy, filter, first });
    return data.taskRecords.pageInfo.endCursor;
  }

  /**
   * Page 2 seeks into the index and sorts no more than page 1 does: an order that mixes directions (a descending
   * key tied by the ascending msgId) sorts within ties on both pages (SQLite's "temp B-tree for right part",
   * Postgres' Incremental Sort); nothing ever sorts whole ranges.
   */
  async function expectSeeks(orderBy: unknown, cursor: string, index: string) {
    const first = await explain(await statementOf(orderBy, null));
    const next = await explain(await statementOf(orderBy, cursor));
    const partialSort = dialect === "sqlite" ? /TEMP B-TREE FOR RIGHT PART/ : /^Incremental Sort/;
    if (!first.some((line) => partialSort.test(line)))
      expect(next.filter((line) => partialSort.test(line))).toEqual([]);
    if (dialect === "sqlite") {
      expect(next.filter((line) => /USE TEMP B-TREE FOR ORDER BY/.test(line))).toEqual([]);
      const reads = next.filter((line) => /^(SCAN|SEARCH) t\b/.test(line));
      expect(reads.length).toBeGreaterThan(0);
      for (const line of reads) expect(line).toMatch(new RegExp(`^SEARCH t USING (COVERING )?INDEX ${index} \\(`));
    } else {
      expect(next.filter((node) => /^Sort/.test(node))).toEqual([]);
      const reads = next.filter((node) => /Scan/.test(node) && /task_records/.test(node));
      expect(reads.length).toBeGreaterThan(0);
      for (const node of reads) expect(node).toMatch(new RegExp(`^Index (Only )?Scan( Backward)? ${index} cond: \\(`));
    }
  }

  it("adding records to the analysed store reads no table whole (resubmission links use their index)", async () => {
    // ANALYZE counts the NULLs of `resubmitted` as one value; a link lookup written as ORDER BY seq DESC LIMIT 1
    // then walked the whole table per added record (29 s per 1000 records on 20,000).
    const seen: Statement[] = [];
    const stop = gw.services.context.db!.onStatement((sql, _ms, values) => seen.push({ sql, values }));
    try {
      await gw.services.tasks.add(
        Array.from({ length: 50 }, (_, k) => ({
          msgId: `added-${k}`,
          submitted: instantFromMillis(BASE + (RECORDS + k) * 1000) as Instant,
          // One original in the batch names another record of it: the look-up finds it and its link is written.
          ...(k === 0 ? { resubmitted: "added-1" } : {}),
        })),
      );
    } finally {
      stop();
    }
    // The look-up of records some original names, and the UPDATEs that write links.
    const probes = seen.filter(({ sql }) => /^\s*SELECT\b[\s\S]*o\."resubmitted" IN/.test(sql));
    const updates = seen.filter(({ sql }) => /^\s*UPDATE\b[\s\S]*"resubmitted_from"/.test(sql));
    expect(probes.length).toBeGreaterThan(0);
    expect(updates.some(({ sql }) => sql.includes("COALESCE"))).toBe(true);
    const links = [...probes, ...updates];
    for (const statement of links) {
      const plan = await explain(statement);
      if (dialect === "sqlite") expect(plan.filter((line) => /^SCAN\b/.test(line))).toEqual([]);
      else expect(plan.filter((node) => /^Seq Scan on task_records/.test(node))).toEqual([]);
    }
  });

  it.each(["ASC", "DESC"] as const)("submitted %s (the default order's index)", async (direction) => {
    const orderBy = [{ field: "SUBMITTED", direction }];
    await expectSeeks(orderBy, await cursorOf(orderBy), "idx_task_records_submitted");
  });

  it("started ASC, the cursor inside the leading null group: the rest of the nulls, then the values", async () => {
    const orderBy = [{ field: "STARTED", direction: "ASC" }];
    await expectSeeks(orderBy, await cursorOf(orderBy), "idx_task_records_started");
  });

  it("started ASC, the cursor past the nulls", async () => {
    const orderBy = [{ field: "STARTED", direction: "ASC" }];
    await expectSeeks(orderBy, await cursorOf(orderBy, { started: { $ne: null } }, 10), "idx_task_records_started");
  });

  it("started DESC: the values below the cursor, then the trailing null group", async () => {
    const orderBy = [{ field: "STARTED", direction: "DESC" }];
    await expectSeeks(orderBy, await cursorOf(orderBy), "idx_task_records_started");
  });
});

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  "Scan Direction"?: string;
  Plans?: PlanNode[];
}

/** Every node of a Postgres plan as one line: "Index Only Scan Backward idx cond: … task_records", "Sort", … */
function planNodes(node: PlanNode): string[] {
  const backward = node["Scan Direction"] === "Backward" ? " Backward" : "";
  const line = node["Index Name"]
    ? `${node["Node Type"]}${backward} ${node["Index Name"]} cond: ${node["Index Cond"] ?? "none"} on ${node["Relation Name"]}`
    : `${node["Node Type"]}${node["Relation Name"] ? ` on ${node["Relation Name"]}` : ""}`;
  return [line, ...(node.Plans ?? []).flatMap(planNodes)];
}
