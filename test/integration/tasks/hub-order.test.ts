/**
 * What an IPython Hub writing live needs beyond plain storage (issue 15), on both stores: the Hub's order (insertion
 * order for `dbQuery`, `submitted` then insertion for history), resubmission links kept both ways whichever side
 * is written first, stable `extensions.reason`s for the refusals the Hub maps to KeyError, and updates that read
 * back only what is selected.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { countStatements, startTestGateway, type TestGateway } from "../../support/gateway";

const ADD = `mutation Add($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`;
const UPDATE = `mutation U($msgId: ID!, $patch: TaskRecordPatch!) { updateTaskRecord(msgId: $msgId, patch: $patch) { msgId } }`;
const T = "2026-03-01T12:00:00.123456Z";

describe.each(DIALECTS)("the Hub's order, links and refusals on %s", (dialect) => {
  let gw: TestGateway;
  const query = async (filter: unknown, keys: string[] = ["queue"]) =>
    (
      await gw.ok<{ dbQuery: { msg_id: string }[] }>(
        `query Q($q: Filter!, $k: [String!]) { dbQuery(query: $q, keys: $k) }`,
        { q: filter, k: keys },
      )
    ).dbQuery.map((row) => row.msg_id);
  const link = async (msgId: string) =>
    (
      await gw.ok<{ taskRecord: { resubmitted: string | null; resubmittedFrom: string | null } }>(
        `query R($id: ID!) { taskRecord(msgId: $id) { resubmitted resubmittedFrom } }`,
        { id: msgId },
      )
    ).taskRecord;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
  });
  afterAll(() => gw?.close());

  it("answers dbQuery in insertion order whatever the filter, index or submit time", async () => {
    // z9 and a0 share an instant and are added in reverse msg_id order; n1 has no submitted; e1 is submitted last
    // but added first. SQLiteDB and DictDB answer in insertion order; an index on completed/engine must not show.
    await gw.ok(ADD, {
      records: [
        { msgId: "e1", submitted: "2026-03-01T12:00:09Z", queue: "task", engineUuid: "E1" },
        { msgId: "z9", submitted: T, queue: "task", engineUuid: "E2" },
        { msgId: "a0", submitted: T, queue: "task", engineUuid: "E1" },
        { msgId: "n1", queue: "task" },
      ],
    });
    await gw.ok(UPDATE, { msgId: "z9", patch: { completed: "2026-03-01T12:00:10Z" } });
    expect(await query({ queue: "task" })).toEqual(["e1", "z9", "a0", "n1"]);
    expect(await query({ completed: null })).toEqual(["e1", "a0", "n1"]);
    expect(await query({ engine_uuid: { $in: ["E2", "E1"] } })).toEqual(["e1", "z9", "a0"]);
    expect(await query({ submitted: T })).toEqual(["z9", "a0"]);
    expect(await query({ msg_id: { $in: ["n1", "a0", "z9"] } })).toEqual(["z9", "a0", "n1"]);
  });

  it("lists history by submitted, equal instants in insertion order, and pages the same way", async () => {
    const history = (await gw.ok<{ taskHistory: string[] }>(`{ taskHistory }`)).taskHistory;
    expect(history.filter((id) => ["e1", "z9", "a0"].includes(id))).toEqual(["z9", "a0", "e1"]);
    const page = await gw.ok<{ taskRecords: { edges: { node: { msgId: string } }[] } }>(
      `query P($f: Filter) { taskRecords(filter: $f) { edges { node { msgId } } } }`,
      { f: { msg_id: { $in: ["e1", "z9", "a0", "n1"] } } },
    );
    expect(page.taskRecords.edges.map((edge) => edge.node.msgId)).toEqual(["n1", "z9", "a0", "e1"]);
  });

  it("links a live resubmission back when the Hub names it on the original (add, then update)", async () => {
    await gw.ok(ADD, { records: [{ msgId: "orig", submitted: T }] });
    await gw.ok(ADD, { records: [{ msgId: "again", submitted: "2026-03-01T12:01:00Z" }] });
    await gw.ok(UPDATE, { msgId: "orig", patch: { resubmitted: "again" } });
    expect(await link("again")).toEqual({ resubmitted: null, resubmittedFrom: "orig" });
    // A second resubmission overwrites the original's link, as in the Hub; the first keeps its own.
    await gw.ok(ADD, { records: [{ msgId: "again-2", submitted: "2026-03-01T12:02:00Z" }] });
    await gw.ok(UPDATE, { msgId: "orig", patch: { resubmitted: "again-2" } });
    expect(await link("orig")).toEqual({ resubmitted: "again-2", resubmittedFrom: null });
    expect(await link("again-2")).toEqual({ resubmitted: null, resubmittedFrom: "orig" });
    expect(await link("again")).toEqual({ resubmitted: null, resubmittedFrom: "orig" });
    expect((await query({ resubmitted_from: "orig" })).sort()).toEqual(["again", "again-2"]);
    // Naming a resubmission that is not stored yet links nothing until it arrives.
    await gw.ok(UPDATE, { msgId: "again", patch: { resubmitted: "later" } });
    await gw.ok(ADD, { records: [{ msgId: "later", submitted: "2026-03-01T12:03:00Z" }] });
    expect(await link("later")).toEqual({ resubmitted: null, resubmittedFrom: "again" });
  });

  it("links both ways when records arrive together or the original comes last (as an import may)", async () => {
    await gw.ok(ADD, {
      records: [
        { msgId: "copy-1", submitted: "2026-03-01T13:00:01Z" },
        { msgId: "source-1", submitted: "2026-03-01T13:00:00Z", resubmitted: "copy-1" },
      ],
    });
    expect(await link("copy-1")).toEqual({ resubmitted: null, resubmittedFrom: "source-1" });
    await gw.ok(ADD, { records: [{ msgId: "copy-2", submitted: "2026-03-01T13:00:03Z" }] });
    await gw.ok(ADD, { records: [{ msgId: "source-2", submitted: "2026-03-01T13:00:02Z", resubmitted: "copy-2" }] });
    expect(await link("copy-2")).toEqual({ resubmitted: null, resubmittedFrom: "source-2" });
  });

  it("reads back only what an update selects", async () => {
    const big = Buffer.alloc(50_000, 7).toString("base64");
    await gw.ok(ADD, { records: [{ msgId: "heavy", submitted: T, buffers: [big], resultBuffers: [big] }] });
    const { result, statements } = await countStatements(gw.services, () =>
      gw.ok<{ updateTaskRecord: unknown }>(
        `mutation { updateTaskRecord(msgId: "heavy", patch: {stdout: "out"}) { msgId stdout } }`,
      ),
    );
    expect(result.updateTaskRecord).toEqual({ msgId: "heavy", stdout: "out" });
    const reads = statements.filter((sql) => /^\s*SELECT/i.test(sql));
    expect(reads).toHaveLength(1);
    expect(reads[0]).not.toMatch(/buffers/);
  });

  it("names the refusals the Hub maps to KeyError with a stable extensions.reason", async () => {
    const reason = async (operation: string, variables: Record<string, unknown>) => {
      const result = await gw.gql(operation, variables);
      expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      return result.errors?.[0]?.extensions;
    };
    const find = `query Q($q: Filter!, $k: [String!]) { dbQuery(query: $q, keys: $k) }`;
    expect(await reason(find, { q: { bogus: 1 } })).toMatchObject({ reason: "UNKNOWN_FIELD", filterPath: ["bogus"] });
    expect(await reason(find, { q: { queue: { $foo: 1 } } })).toMatchObject({ reason: "UNKNOWN_OPERATOR" });
    expect(await reason(find, { q: { $nope: [] } })).toMatchObject({ reason: "UNKNOWN_OPERATOR" });
    expect(await reason(find, { q: {}, k: ["bogus"] })).toMatchObject({ reason: "UNKNOWN_KEY", argument: "keys" });
    expect(await reason(ADD, { records: [{ msgId: "orig" }] })).toMatchObject({
      reason: "DUPLICATE_ID",
      msgIds: ["orig"],
    });
    expect(await reason(ADD, { records: [{ msgId: "twice" }, { msgId: "twice" }] })).toMatchObject({
      reason: "DUPLICATE_ID",
    });
    // Other bad input has no reason: the Hub maps it to ValueError.
    const other = await gw.gql(find, { q: { submitted: "yesterday" } });
    expect(other.errors?.[0]?.extensions?.["reason"]).toBeUndefined();
  });
});
