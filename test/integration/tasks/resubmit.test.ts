import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { startTestGateway, type TestGateway } from "../../support/gateway";
import { add, completed, pending, storedIds } from "./records";

const RESUBMIT = `mutation($ids: [ID!], $filter: Filter, $maxLimit: Int, $dryRun: Boolean) {
  resubmitTasks(msgIds: $ids, filter: $filter, maxLimit: $maxLimit, dryRun: $dryRun) { resubmitted { original new } dryRun } }`;
const RECORD = `query($id: ID!) { taskRecord(msgId: $id) {
  msgId header metadata content buffers submitted clientUuid engineUuid completed resubmitted resubmittedFrom queue label
  resultContent stdout } }`;

interface Pair {
  original: string;
  new: string | null;
}
type Record_ = Record<string, unknown>;

describe.each(DIALECTS)("resubmitTasks on %s", (dialect) => {
  let gw: TestGateway;
  const record = async (id: string) => (await gw.ok<{ taskRecord: Record_ | null }>(RECORD, { id })).taskRecord;
  const resubmit = async (vars: Record<string, unknown>) =>
    (await gw.ok<{ resubmitTasks: { resubmitted: Pair[]; dryRun: boolean } }>(RESUBMIT, vars)).resubmitTasks;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    await add(gw, [
      completed("a", 1),
      completed("b", 2, { engineUuid: "engine-b" }),
      pending("c", 3),
      completed("d", 4),
      completed("e", 5),
    ]);
  });
  afterAll(() => gw.close());

  it("makes a new record per task: fresh id and time, the original's header, content and buffers, queue 'task'", async () => {
    const before = Date.now();
    const result = await resubmit({ ids: ["b", "a"] });
    expect(result.dryRun).toBe(false);
    expect(result.resubmitted.map((pair) => pair.original)).toEqual(["b", "a"]);
    const newB = result.resubmitted[0]?.new as string;
    expect(newB).toMatch(/^[0-9a-f-]{36}$/);
    const original = completed("b", 2);
    const fresh = await record(newB);
    expect(fresh).toMatchObject({
      msgId: newB,
      header: { ...original.header, msg_id: newB, date: expect.any(String) },
      metadata: {},
      content: original.content,
      buffers: original.buffers,
      clientUuid: "session-1",
      engineUuid: null,
      completed: null,
      resubmitted: null,
      resubmittedFrom: "b",
      queue: "task",
      label: null,
      resultContent: null,
      stdout: "",
    });
    const submitted = Date.parse(fresh?.["submitted"] as string);
    expect(submitted).toBeGreaterThanOrEqual(before - 1000);
    expect((fresh?.["header"] as Record_)["date"]).toBe(fresh?.["submitted"]);
    // The original keeps its results and names its resubmission.
    expect(await record("b")).toMatchObject({
      resubmitted: newB,
      resultContent: { status: "ok" },
      queue: "mux",
      engineUuid: "engine-b",
    });
    expect((await record("a"))?.["resubmitted"]).toBe(result.resubmitted[1]?.new);
  });

  it("resubmits pending tasks and follows chains; a later resubmit overwrites the original's link", async () => {
    const first = (await resubmit({ ids: ["c"] })).resubmitted[0]?.new as string;
    const second = (await resubmit({ ids: [first] })).resubmitted[0]?.new as string;
    expect(await record(second)).toMatchObject({
      resubmittedFrom: first,
      header: { session: "session-1", msg_id: second },
    });
    expect(await record(first)).toMatchObject({ resubmitted: second, resubmittedFrom: "c" });
    const again = (await resubmit({ ids: ["c"] })).resubmitted[0]?.new as string;
    expect(await record("c")).toMatchObject({ resubmitted: again, completed: null });
    // Both resubmissions of c still point back to it.
    const children = await gw.services.tasks.dbQuery({ resubmitted_from: "c" }, ["msg_id"]);
    expect(children.map((row) => row["msg_id"]).sort()).toEqual([first, again].sort());
  });

  it("rejects the whole request when an id is unknown, and resubmits nothing", async () => {
    const before = await storedIds(gw);
    const result = await gw.gql(RESUBMIT, { ids: ["d", "no-such", "e"] });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", msgIds: ["no-such"] });
    expect(result.errors?.[0]?.message).toContain("no-such");
    expect(await storedIds(gw)).toEqual(before);
    expect((await record("d"))?.["resubmitted"]).toBeNull();
  });

  it("selects by filter, refuses more than maxLimit, and a dry run changes nothing", async () => {
    const before = await storedIds(gw);
    const filter = { msg_id: { $in: ["d", "e"] }, "result_content.status": "ok" };
    const over = await gw.gql(RESUBMIT, { filter, maxLimit: 1 });
    expect(over.errors?.[0]?.extensions?.["code"]).toBe("LIMIT_EXCEEDED");
    const dry = await resubmit({ filter, maxLimit: 2, dryRun: true });
    expect(dry).toEqual({
      dryRun: true,
      resubmitted: [
        { original: "d", new: null },
        { original: "e", new: null },
      ],
    });
    expect(await storedIds(gw)).toEqual(before);
    expect((await record("d"))?.["resubmitted"]).toBeNull();
    const real = await resubmit({ filter, maxLimit: 2 });
    expect(real.resubmitted.map((pair) => pair.original)).toEqual(["d", "e"]);
    expect(await storedIds(gw)).toHaveLength(before.length + 2);
  });

  it("needs exactly one non-empty target", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, "BAD_USER_INPUT"],
      [{ ids: [] }, "BAD_USER_INPUT"],
      [{ filter: {} }, "BAD_USER_INPUT"],
      [{ ids: ["a"], filter: { msg_id: "a" } }, "BAD_USER_INPUT"],
      [{ ids: ["a"], maxLimit: -1 }, "BAD_USER_INPUT"],
      [{ ids: ["a", "b"], maxLimit: 1 }, "LIMIT_EXCEEDED"],
    ];
    const before = await storedIds(gw);
    for (const [vars, code] of cases) {
      const result = await gw.gql(RESUBMIT, vars);
      expect(result.errors?.[0]?.extensions?.["code"], JSON.stringify(vars)).toBe(code);
    }
    expect(await storedIds(gw)).toEqual(before);
  });
});
