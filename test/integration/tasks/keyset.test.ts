/**
 * Keyset pages across every kind of boundary: orders of two nullable keys (text and instant) in all four direction
 * pairs, page sizes that end pages inside null groups and inside runs of ties, and with a filter — every record
 * exactly once, in the order a sort gives (nulls first ascending, last descending, text byte-wise, ties in
 * insertion order: `seq`, the Hub's order).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { startTestGateway, type TestGateway } from "../../support/gateway";

const ADD = `mutation Add($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`;
const PAGE = `query Page($filter: Filter, $orderBy: [TaskRecordOrder!], $first: Int, $after: String) {
  taskRecords(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { node { msgId queue started } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Row {
  msgId: string;
  queue: string | null;
  started: string | null;
  label: string;
}

const BASE = Date.parse("2026-03-01T00:00:00.000Z");
/** 41 records: queue null/"mux"/"task"/"Task" (byte order puts "T" first), started null or one of 3 instants. */
const RECORDS: Row[] = Array.from({ length: 41 }, (_, i) => ({
  msgId: `k${String((i * 17) % 41).padStart(2, "0")}`,
  queue: [null, "mux", "task", "Task"][i % 4] ?? null,
  started: i % 3 === 0 ? null : new Date(BASE + (i % 3) * 1000 * ((i % 5) + 1)).toISOString(),
  label: i % 2 === 0 ? "even" : "odd",
}));

type Direction = "ASC" | "DESC";

/**
 * The order a sort gives: nulls first ascending and last descending, text compared byte-wise, ties in insertion
 * order (`rows` is in insertion order and the sort is stable).
 */
function expected(rows: Row[], queue: Direction, started: Direction): string[] {
  const compare = (a: string | null, b: string | null, direction: Direction) => {
    if (a === b) return 0;
    const nullsFirst = direction === "ASC";
    if (a === null) return nullsFirst ? -1 : 1;
    if (b === null) return nullsFirst ? 1 : -1;
    const order = Buffer.compare(Buffer.from(a), Buffer.from(b));
    return direction === "ASC" ? order : -order;
  };
  return [...rows]
    .sort((a, b) => compare(a.queue, b.queue, queue) || compare(a.started, b.started, started))
    .map((row) => row.msgId);
}

describe.each(DIALECTS)("keyset pages across nulls and ties on %s", (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    await gw.ok(ADD, { records: RECORDS.map(({ label, ...record }) => ({ ...record, label })) });
  });
  afterAll(() => gw?.close());

  async function walk(queue: Direction, started: Direction, first: number, filter?: Record<string, unknown>) {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages <= RECORDS.length + 1; pages++) {
      type Page = {
        taskRecords: { edges: { node: { msgId: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      };
      const data: Page = await gw.ok<Page>(PAGE, {
        filter,
        orderBy: [
          { field: "QUEUE", direction: queue },
          { field: "STARTED", direction: started },
        ],
        first,
        after,
      });
      seen.push(...data.taskRecords.edges.map((edge) => edge.node.msgId));
      if (!data.taskRecords.pageInfo.hasNextPage) return seen;
      after = data.taskRecords.pageInfo.endCursor;
    }
    throw new Error("pagination did not end");
  }

  const directions: [Direction, Direction][] = [
    ["ASC", "ASC"],
    ["ASC", "DESC"],
    ["DESC", "ASC"],
    ["DESC", "DESC"],
  ];
  for (const [queue, started] of directions) {
    it.each([1, 3, 7])(
      `queue ${queue}, started ${started}, pages of %i: every record once, in order`,
      async (first) => {
        expect(await walk(queue, started, first)).toEqual(expected(RECORDS, queue, started));
      },
    );
  }

  it("keeps the filter on every page, whichever range a page continues in", async () => {
    for (const [queue, started] of directions) {
      const odd = RECORDS.filter((row) => row.label === "odd");
      expect(await walk(queue, started, 2, { label: "odd" })).toEqual(expected(odd, queue, started));
    }
  });
});
