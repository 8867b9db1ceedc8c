/**
 * Instants at microsecond precision through the API on both stores (issue 15): what goes in comes back to the
 * microsecond (GraphQL, dbQuery, taskResults), filters compare exactly at a microsecond either side, `{"$date": ms}`
 * operands still work, keyset pages walk ties a microsecond apart, and the range 0001–9999 holds on every path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { startTestGateway, type TestGateway } from "../../support/gateway";

const ADD = `mutation Add($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId submitted } }`;
const DB_QUERY = `query Q($query: Filter!) { dbQuery(query: $query, keys: ["submitted"]) }`;
const PAGE = `query Page($orderBy: [TaskRecordOrder!], $after: String, $filter: Filter) {
  taskRecords(filter: $filter, orderBy: $orderBy, first: 1, after: $after) {
    edges { node { msgId submitted } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** 2026-03-01T12:00:00.123456Z and instants around it. */
const T0 = "2026-03-01T12:00:00.123456Z";
const T0_MS = Date.parse("2026-03-01T12:00:00.123Z");
const micro = (n: number) => `2026-03-01T12:00:00.${String(123456 + n).padStart(6, "0")}Z`;

describe.each(DIALECTS)("instants at microsecond precision on %s", (dialect) => {
  let gw: TestGateway;
  const ids = async (query: unknown) =>
    (await gw.ok<{ dbQuery: { msg_id: string }[] }>(DB_QUERY, { query })).dbQuery.map((row) => row.msg_id);

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    await gw.ok(ADD, {
      records: [
        // As the Hub's HubqlDB sends them: Python isoformat with its offset.
        {
          msgId: "r1",
          submitted: "2026-03-01T12:00:00.123456+00:00",
          started: "2026-03-01T14:00:00.000001+02:00",
          completed: "2026-03-01T12:00:01+00:00",
          received: "2026-03-01T12:00:01.000250999Z",
        },
        { msgId: "r2", submitted: micro(400) },
        { msgId: "r3", submitted: micro(1) },
      ],
    });
  });
  afterAll(() => gw?.close());

  it("returns what was stored to the microsecond, in UTC with six digits, on every read path", async () => {
    const expected = {
      submitted: T0,
      started: "2026-03-01T12:00:00.000001Z",
      completed: "2026-03-01T12:00:01.000000Z",
      received: "2026-03-01T12:00:01.000250Z",
    };
    const one = await gw.ok<{ taskRecord: unknown }>(
      `{ taskRecord(msgId: "r1") { submitted started completed received } }`,
    );
    expect(one.taskRecord).toEqual(expected);
    const rows = await gw.ok<{ dbQuery: unknown[] }>(
      `{ dbQuery(query: {msg_id: "r1"}, keys: ["submitted", "started", "completed", "received"]) }`,
    );
    expect(rows.dbQuery).toEqual([{ msg_id: "r1", ...expected }]);
    const results = await gw.ok<{ taskResults: unknown[] }>(
      `{ taskResults(msgIds: ["r1"]) { submitted started completed received } }`,
    );
    expect(results.taskResults).toEqual([expected]);
    const updated = await gw.ok<{ updateTaskRecord: unknown }>(
      `mutation { updateTaskRecord(msgId: "r1", patch: {received: "2026-03-01T13:00:01.999999+01:00"}) { received } }`,
    );
    expect(updated.updateTaskRecord).toEqual({ received: "2026-03-01T12:00:01.999999Z" });
  });

  it("compares filter operands exactly, a microsecond either side", async () => {
    expect(await ids({ submitted: T0 })).toEqual(["r1"]);
    expect(await ids({ submitted: "2026-03-01T14:00:00.123456+02:00" })).toEqual(["r1"]);
    expect(await ids({ submitted: micro(1) })).toEqual(["r3"]);
    expect(await ids({ submitted: { $gt: T0 } })).toEqual(["r2", "r3"]);
    expect(await ids({ submitted: { $gte: micro(1) } })).toEqual(["r2", "r3"]);
    expect(await ids({ submitted: { $lt: micro(1) } })).toEqual(["r1"]);
    expect(await ids({ submitted: { $lte: micro(399) } })).toEqual(["r1", "r3"]);
    expect(await ids({ submitted: { $in: [micro(400), micro(2)] } })).toEqual(["r2"]);
    expect(await ids({ submitted: { $nin: [T0] } })).toEqual(["r2", "r3"]);
    // Nine digits are cut to six, as Python's datetime keeps them.
    expect(await ids({ submitted: "2026-03-01T12:00:00.123456999Z" })).toEqual(["r1"]);
  });

  it("still takes {$date: ms} operands (which name the millisecond's first microsecond)", async () => {
    expect(await ids({ submitted: { $date: T0_MS } })).toEqual([]);
    expect(await ids({ submitted: { $gte: { $date: T0_MS } } })).toEqual(["r1", "r2", "r3"]);
    expect(await ids({ submitted: { $lt: { $date: T0_MS + 1 } } })).toEqual(["r1", "r2", "r3"]);
    expect(await ids({ submitted: { $gt: { $date: { $numberLong: String(T0_MS) } } } })).toEqual(["r1", "r2", "r3"]);
    expect(await ids({ completed: { $date: Date.parse("2026-03-01T12:00:01Z") } })).toEqual(["r1"]);
  });

  it("walks pages across ties and instants a microsecond apart without skipping or repeating", async () => {
    const tied = ["t-c", "t-a", "t-b"].map((msgId) => ({ msgId, submitted: micro(1000), label: "walk" }));
    const next = ["n-b", "n-a"].map((msgId) => ({ msgId, submitted: micro(1001), label: "walk" }));
    await gw.ok(ADD, { records: [{ msgId: "p-0", submitted: micro(999), label: "walk" }, ...tied, ...next] });
    const walk = async (direction: "ASC" | "DESC") => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 20; i++) {
        const page: {
          taskRecords: { edges: { node: { msgId: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
        } = await gw.ok(PAGE, { after, filter: { label: "walk" }, orderBy: [{ field: "SUBMITTED", direction }] });
        seen.push(...page.taskRecords.edges.map((edge) => edge.node.msgId));
        if (!page.taskRecords.pageInfo.hasNextPage) return seen;
        after = page.taskRecords.pageInfo.endCursor;
      }
      throw new Error("no end");
    };
    // Equal instants keep insertion order (the Hub's) in both directions of the instant.
    expect(await walk("ASC")).toEqual(["p-0", "t-c", "t-a", "t-b", "n-b", "n-a"]);
    expect(await walk("DESC")).toEqual(["n-b", "n-a", "t-c", "t-a", "t-b", "p-0"]);
  });

  it("stores the ends of the range and keeps them in order; refuses instants beyond it everywhere", async () => {
    await gw.ok(ADD, {
      records: [
        { msgId: "end", submitted: "9999-12-31T23:59:59.999999Z", label: "range" },
        { msgId: "start", submitted: "0001-01-01T00:00:00Z", label: "range" },
        { msgId: "middle", submitted: "1000-01-01T00:00:00Z", label: "range" },
      ],
    });
    const history = await gw.ok<{ taskHistory: string[] }>(`{ taskHistory }`);
    const range = history.taskHistory.filter((id) => ["start", "middle", "end"].includes(id));
    expect(range).toEqual(["start", "middle", "end"]);
    expect(await ids({ label: "range", submitted: { $lt: "1000-01-01T00:00:00.000001Z" } })).toEqual([
      "start",
      "middle",
    ]);
    for (const submitted of ["0000-12-31T23:59:59Z", "9999-12-31T23:30:00-01:00", "10000-01-01T00:00:00Z"]) {
      const added = await gw.gql(ADD, { records: [{ msgId: "beyond", submitted }] });
      expect(added.errors?.[0]?.extensions?.["code"], submitted).toBe("BAD_USER_INPUT");
      expect(added.errors?.[0]?.message, submitted).toMatch(/0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z/);
      const filtered = await gw.gql(DB_QUERY, { query: { submitted: { $gt: submitted } } });
      expect(filtered.errors?.[0]?.extensions?.["code"], submitted).toBe("BAD_USER_INPUT");
    }
    const huge = await gw.gql(DB_QUERY, {
      query: { submitted: { $date: Date.parse("9999-12-31T23:59:59.999Z") + 1 } },
    });
    expect(huge.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(await gw.ok<{ countTaskRecords: number }>(`{ countTaskRecords(filter: {msg_id: "beyond"}) }`)).toEqual({
      countTaskRecords: 0,
    });
  });
});
