import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { instantFromMillis } from "../../../src/dialect";
import { countStatements, startTestGateway, type TestGateway } from "../../support/gateway";
import { DIALECTS } from "../../support/databases";

const ADD = `mutation Add($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`;
const DB_QUERY = `query Q($query: Filter!, $keys: [String!]) { dbQuery(query: $query, keys: $keys) }`;
const COUNT = `query Count($f: Filter) { countTaskRecords(filter: $f) }`;
const PAGE = `query Page($filter: Filter, $orderBy: [TaskRecordOrder!], $first: Int, $after: String) {
  taskRecords(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { msgId started } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

const NOW = Date.parse("2026-11-22T12:00:00.000Z");
const minutes = (n: number) => instantFromMillis(NOW + n * 60_000);
const CLIENT_A = "client-a";
const CLIENT_B = "client-b";

/** A small Hub history: two clients, two engines, some running (no started/completed), some finished. */
function hubFixture() {
  return [
    {
      msgId: "t1",
      clientUuid: CLIENT_A,
      engineUuid: "e1",
      submitted: minutes(-200),
      started: minutes(-190),
      completed: minutes(-180),
      queue: "task",
      resultHeader: { status: "ok", engine: "e1" },
      buffers: ["AAEC"],
    },
    {
      msgId: "t2",
      clientUuid: CLIENT_A,
      engineUuid: "e2",
      submitted: minutes(-50),
      started: minutes(-40),
      completed: minutes(-30),
      queue: "mux",
      resultHeader: { status: "ok", engine: "e2" },
    },
    {
      msgId: "t3",
      clientUuid: CLIENT_B,
      engineUuid: "e1",
      submitted: minutes(-120),
      started: minutes(-100),
      completed: minutes(-90),
      queue: "task",
      resultHeader: { status: "error", engine: "e1" },
    },
    {
      msgId: "t4",
      clientUuid: CLIENT_B,
      engineUuid: "e3",
      submitted: minutes(-20),
      started: minutes(-10),
      completed: minutes(-5),
      queue: "task",
      resultHeader: { status: "ok", engine: "e3" },
    },
    { msgId: "t5", clientUuid: CLIENT_A, engineUuid: null, submitted: minutes(-3), queue: "task" },
    { msgId: "t6", clientUuid: CLIENT_B, engineUuid: "e2", submitted: minutes(-2), queue: "mux" },
  ];
}

describe.each(DIALECTS)("task records on %s", (dialect) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    await gw.ok(ADD, { records: hubFixture() });
  });
  afterAll(() => gw?.close());

  const ids = (records: Record<string, unknown>[]) => records.map((r) => r["msg_id"]).sort();

  describe("the IPython documentation's db_query examples run as written", () => {
    it("finds incomplete tasks, returning only msg_id and started", async () => {
      const data = await gw.ok<{ dbQuery: Record<string, unknown>[] }>(DB_QUERY, {
        query: { completed: null },
        keys: ["msg_id", "started"],
      });
      expect(ids(data.dbQuery)).toEqual(["t5", "t6"]);
      for (const record of data.dbQuery) expect(Object.keys(record).sort()).toEqual(["msg_id", "started"]);
    });

    it("finds tasks started in the last hour by one client", async () => {
      const hourAgo = minutes(-60);
      const data = await gw.ok<{ dbQuery: Record<string, unknown>[] }>(DB_QUERY, {
        query: { started: { $gte: hourAgo }, client_uuid: CLIENT_A },
      });
      expect(ids(data.dbQuery)).toEqual(["t2"]);
    });

    it("finds tasks started more than an hour ago by other clients, with the docs' $le", async () => {
      const hourAgo = minutes(-60);
      const data = await gw.ok<{ dbQuery: Record<string, unknown>[] }>(DB_QUERY, {
        query: { started: { $le: hourAgo }, client_uuid: { $ne: CLIENT_A } },
      });
      expect(ids(data.dbQuery)).toEqual(["t3"]);
    });

    it("returns the result headers of tasks on two engines, keys given as one string", async () => {
      // Inline, an operator filter is a JSON string (GraphQL names cannot start with "$").
      const data = await gw.ok<{ dbQuery: Record<string, unknown>[] }>(
        `query { dbQuery(query: "{\\"engine_uuid\\": {\\"$in\\": [\\"e1\\", \\"e2\\"]}}", keys: "result_header") }`,
      );
      expect(ids(data.dbQuery)).toEqual(["t1", "t2", "t3", "t6"]);
      const t3 = data.dbQuery.find((r) => r["msg_id"] === "t3");
      expect(t3).toEqual({ msg_id: "t3", result_header: { status: "error", engine: "e1" } });
    });
  });

  describe("dbQuery answers like the IPython client", () => {
    it("leaves buffers out unless named, and returns them when named", async () => {
      const all = await gw.ok<{ dbQuery: Record<string, unknown>[] }>(DB_QUERY, { query: { msg_id: "t1" } });
      expect(all.dbQuery[0]).not.toHaveProperty("buffers");
      expect(all.dbQuery[0]).not.toHaveProperty("result_buffers");
      expect(Object.keys(all.dbQuery[0]!)).toHaveLength(21);
      const named = await gw.ok<{ dbQuery: Record<string, unknown>[] }>(DB_QUERY, {
        query: { msg_id: "t1" },
        keys: ["buffers"],
      });
      expect(named.dbQuery).toEqual([{ msg_id: "t1", buffers: ["AAEC"] }]);
    });

    it("treats keys: [] like no keys", async () => {
      const data = await gw.ok<{ dbQuery: Record<string, unknown>[] }>(DB_QUERY, { query: { msg_id: "t2" }, keys: [] });
      expect(data.dbQuery[0]).toMatchObject({ msg_id: "t2", queue: "mux", client_uuid: CLIENT_A, stdout: "" });
      expect(data.dbQuery[0]!["submitted"]).toBe(minutes(-50));
    });

    it("rejects an unknown key with BAD_USER_INPUT naming it", async () => {
      const result = await gw.gql(DB_QUERY, { query: {}, keys: ["bogus"] });
      expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.message).toContain("'bogus'");
    });

    it("selects everything with {}", async () => {
      const data = await gw.ok<{ dbQuery: unknown[] }>(DB_QUERY, { query: {} });
      expect(data.dbQuery).toHaveLength(6);
    });
  });

  it("counts and lists history by submit time", async () => {
    const data = await gw.ok<{ countTaskRecords: number; taskHistory: string[] }>(
      `{ countTaskRecords(filter: {queue: "task"}) taskHistory }`,
    );
    expect(data.countTaskRecords).toBe(4);
    expect(data.taskHistory).toEqual(["t1", "t3", "t2", "t4", "t5", "t6"]);
  });

  it("reads one record, and null for an unknown id", async () => {
    const data = await gw.ok<{ a: { msgId: string; resultHeader: unknown } | null; b: unknown }>(
      `{ a: taskRecord(msgId: "t3") { msgId resultHeader } b: taskRecord(msgId: "nope") { msgId } }`,
    );
    expect(data.a).toEqual({ msgId: "t3", resultHeader: { status: "error", engine: "e1" } });
    expect(data.b).toBeNull();
  });

  it("reads only the columns the query selects", async () => {
    const { statements } = await countStatements(gw.services, () =>
      gw.ok(`{ taskRecords(first: 2) { edges { node { msgId label } } } }`),
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('"label"');
    expect(statements[0]).not.toContain('"result_content"');
    expect(statements[0]).not.toContain('"buffers"');
  });

  describe("addTaskRecords is atomic", () => {
    it("rejects a batch that repeats an id and writes nothing", async () => {
      const result = await gw.gql(ADD, { records: [{ msgId: "n1" }, { msgId: "n2" }, { msgId: "n1" }] });
      expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      const data = await gw.ok<{ countTaskRecords: number }>(COUNT, { f: { msgId: { $in: ["n1", "n2"] } } });
      expect(data.countTaskRecords).toBe(0);
    });

    it("rejects a batch containing a stored id and writes nothing", async () => {
      const result = await gw.gql(ADD, { records: [{ msgId: "n3" }, { msgId: "t1" }] });
      expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.message).toContain("'t1'");
      const data = await gw.ok<{ countTaskRecords: number }>(`{ countTaskRecords(filter: {msgId: "n3"}) }`);
      expect(data.countTaskRecords).toBe(0);
    });

    it("rejects invalid base64 buffers and writes nothing", async () => {
      const result = await gw.gql(ADD, { records: [{ msgId: "n4" }, { msgId: "n5", buffers: ["not base64!"] }] });
      expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      const data = await gw.ok<{ countTaskRecords: number }>(COUNT, { f: { msgId: { $in: ["n4", "n5"] } } });
      expect(data.countTaskRecords).toBe(0);
    });
  });

  describe("addTaskRecords reads graphql-js's coerced records (no class copies) and still checks each one", () => {
    const ids = (batch: Record<string, unknown>[]) => batch.map((record) => String(record["msgId"]));
    const good = { msgId: "b0", submitted: "2026-11-22T12:00:00.000000Z", header: { a: 1 }, buffers: ["AAEC"] };
    const cases: [string, Record<string, unknown>][] = [
      ["canonical text of a day that does not exist", { msgId: "b1", submitted: "2026-02-30T00:00:00.000000Z" }],
      ["an hour past 23", { msgId: "b2", completed: "2026-11-22T24:00:00.000000Z" }],
      ["an empty msgId", { msgId: "" }],
      ["a msgId over 512 characters", { msgId: "x".repeat(513) }],
      ["an unknown field", { msgId: "b3", bogus: 1 }],
      ["a buffer that is not a string", { msgId: "b4", buffers: [1] }],
      ["a buffer that is not base64", { msgId: "b5", resultBuffers: ["AAEC", "no!"] }],
      ["a JSON object field given a list", { msgId: "b6", header: [1, 2] }],
      ["JSON nested past the limit", { msgId: "b7", content: JSON.parse(`${"[".repeat(101)}${"]".repeat(101)}`) }],
    ];
    it.each(cases)("refuses a batch holding %s: BAD_USER_INPUT, nothing written", async (_name, bad) => {
      const batch = [good, bad, { msgId: "b9" }];
      const result = await gw.gql(ADD, { records: batch });
      expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      const data = await gw.ok<{ countTaskRecords: number }>(COUNT, { f: { msgId: { $in: ids(batch) } } });
      expect(data.countTaskRecords).toBe(0);
    });

    it("answers the records as stored: instants canonical, defaults filled, JSON and buffers as given", async () => {
      const data = await gw.ok<{ addTaskRecords: Record<string, unknown>[] }>(
        `mutation Add($records: [TaskRecordInput!]!) {
          addTaskRecords(records: $records) { msgId submitted completed header buffers stdout stderr label }
        }`,
        {
          records: [
            { msgId: "p1", submitted: "2026-11-22T13:00:00+01:00", header: { a: [1, { b: null }] }, buffers: ["AAEC"] },
            { msgId: "p2", completed: "2026-11-22T12:00:00.000001Z", stdout: "out", label: "l" },
          ],
        },
      );
      expect(data.addTaskRecords).toEqual([
        {
          msgId: "p1",
          submitted: "2026-11-22T12:00:00.000000Z",
          completed: null,
          header: { a: [1, { b: null }] },
          buffers: ["AAEC"],
          stdout: "",
          stderr: "",
          label: null,
        },
        {
          msgId: "p2",
          submitted: null,
          completed: "2026-11-22T12:00:00.000001Z",
          header: null,
          buffers: null,
          stdout: "out",
          stderr: "",
          label: "l",
        },
      ]);
      const stored = await gw.ok<{ taskRecord: Record<string, unknown> }>(
        `{ taskRecord(msgId: "p1") { submitted header buffers stdout } }`,
      );
      expect(stored.taskRecord).toEqual({
        submitted: "2026-11-22T12:00:00.000000Z",
        header: { a: [1, { b: null }] },
        buffers: ["AAEC"],
        stdout: "",
      });
    });
  });

  describe("updateTaskRecord", () => {
    it("changes the given fields and leaves the rest", async () => {
      await gw.ok(ADD, { records: [{ msgId: "u1", label: "before", queue: "task" }] });
      const data = await gw.ok<{ updateTaskRecord: Record<string, unknown> }>(
        `mutation { updateTaskRecord(msgId: "u1", patch: {label: "after", completed: "2026-11-22T13:00:00+01:00", stdout: "hi"}) { msgId label queue completed stdout } }`,
      );
      expect(data.updateTaskRecord).toEqual({
        msgId: "u1",
        label: "after",
        queue: "task",
        completed: "2026-11-22T12:00:00.000000Z",
        stdout: "hi",
      });
    });

    it("answers NOT_FOUND for an unknown id", async () => {
      const result = await gw.gql(`mutation { updateTaskRecord(msgId: "nope", patch: {label: "x"}) { msgId } }`);
      expect(result.errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
    });
  });

  describe("bad input is BAD_USER_INPUT and changes nothing", () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ["an unknown field", `query($f: Filter) { taskRecords(filter: $f) { totalCount } }`, { f: { complete: null } }],
      [
        "an unknown operator",
        `query($f: Filter) { taskRecords(filter: $f) { totalCount } }`,
        { f: { started: { $gtee: "2026-01-01T00:00:00Z" } } },
      ],
      [
        "an invalid datetime",
        `query($f: Filter) { taskRecords(filter: $f) { totalCount } }`,
        { f: { started: { $gte: "yesterday" } } },
      ],
      ["a malformed cursor", `query($a: String) { taskRecords(after: $a) { totalCount } }`, { a: "not-a-cursor" }],
      ["a negative page size", `query { taskRecords(first: -1) { totalCount } }`, {}],
      ["a non-object filter", `query($f: Filter) { taskRecords(filter: $f) { totalCount } }`, { f: [1, 2] }],
    ];
    it.each(cases)("%s", async (_name, query, variables) => {
      const before = await gw.ok<{ countTaskRecords: number }>(`{ countTaskRecords }`);
      const result = await gw.gql(query, variables);
      expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      expect(JSON.stringify(result)).not.toMatch(/SELECT|sqlite|postgres|at .*\.ts/i);
      const after = await gw.ok<{ countTaskRecords: number }>(`{ countTaskRecords }`);
      expect(after.countTaskRecords).toBe(before.countTaskRecords);
    });

    it("names the filter path and suggests the field", async () => {
      const result = await gw.gql(`{ taskRecords(filter: {complete: null}) { totalCount } }`);
      expect(result.errors?.[0]?.extensions?.["filterPath"]).toEqual(["complete"]);
      expect(result.errors?.[0]?.message).toContain("completed");
    });
  });
});

describe.each(DIALECTS)("keyset pagination on %s", (dialect) => {
  let gw: TestGateway;
  /** 57 records whose `started` has many ties and nulls. */
  const records = Array.from({ length: 57 }, (_, i) => ({
    msgId: `p${String(i).padStart(2, "0")}`,
    submitted: minutes(i),
    started: i % 5 === 0 ? null : minutes(i % 4),
  }));

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    await gw.ok(ADD, { records: [...records].reverse() });
  });
  afterAll(() => gw?.close());

  async function readAll(direction: "ASC" | "DESC", first: number) {
    const seen: { msgId: string; started: string | null }[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      type Page = {
        taskRecords: {
          edges: { node: { msgId: string; started: string | null } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
      const data: Page = await gw.ok<Page>(PAGE, { orderBy: [{ field: "STARTED", direction }], first, after });
      seen.push(...data.taskRecords.edges.map((edge) => edge.node));
      if (!data.taskRecords.pageInfo.hasNextPage) return seen;
      after = data.taskRecords.pageInfo.endCursor;
    }
    throw new Error("pagination did not end");
  }

  /** By `started`, ties in insertion order (the records went in reversed), always ascending as the Hub's order. */
  function expected(direction: "ASC" | "DESC") {
    const inserted = [...records].reverse();
    const key = (r: (typeof records)[number]) => (r.started === null ? -Infinity : Date.parse(r.started));
    return inserted
      .map((r, seq) => ({ r, seq }))
      .sort((a, b) => {
        const primary = direction === "ASC" ? key(a.r) - key(b.r) : key(b.r) - key(a.r);
        return primary !== 0 && !Number.isNaN(primary) ? primary : a.seq - b.seq;
      })
      .map(({ r }) => r.msgId);
  }

  it.each([
    ["ASC", 7],
    ["DESC", 7],
    ["ASC", 1],
    ["DESC", 56],
  ] as const)("walks every record once in %s order with pages of %i", async (direction, first) => {
    const seen = await readAll(direction, first);
    expect(seen.map((r) => r.msgId)).toEqual(expected(direction));
  });

  it("returns totalCount and page info", async () => {
    const data = await gw.ok<{
      taskRecords: {
        totalCount: number;
        edges: unknown[];
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean };
      };
    }>(PAGE, {
      filter: { started: null },
      first: 5,
    });
    expect(data.taskRecords.totalCount).toBe(12);
    expect(data.taskRecords.edges).toHaveLength(5);
    expect(data.taskRecords.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it("rejects a cursor from a different order", async () => {
    const first = await gw.ok<{ taskRecords: { pageInfo: { endCursor: string } } }>(PAGE, {
      first: 2,
      orderBy: [{ field: "STARTED" }, { field: "LABEL" }],
    });
    const result = await gw.gql(PAGE, { first: 2, after: first.taskRecords.pageInfo.endCursor });
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });
});

describe("the none store (IPython's NoDB)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway("none");
  });
  afterAll(() => gw?.close());

  it("accepts writes and drops them", async () => {
    const data = await gw.ok<{ addTaskRecords: { msgId: string }[] }>(ADD, { records: [{ msgId: "x" }] });
    expect(data.addTaskRecords).toEqual([{ msgId: "x" }]);
  });

  it("fails reads with NO_DATA and says why", async () => {
    const result = await gw.gql(`{ taskRecords { totalCount } }`);
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("NO_DATA");
    expect(result.errors?.[0]?.message).toMatch(/none/);
  });

  it("still validates filters", async () => {
    const result = await gw.gql(`{ dbQuery(query: {bogus: 1}) }`);
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });
});
