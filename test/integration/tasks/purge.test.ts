import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { PURGE_BATCH_SIZE } from "../../../src/services/tasks/task-purge.service";
import { DIALECTS } from "../../support/databases";
import { countStatements, startTestGateway, type TestGateway } from "../../support/gateway";
import { add, completed, pending, storedIds } from "./records";

const PURGE = `mutation($ids: [ID!], $filter: Filter, $engines: [String!], $all: Boolean, $force: Boolean, $dryRun: Boolean, $maxLimit: Int) {
  purgeTaskRecords(msgIds: $ids, filter: $filter, engineUuids: $engines, all: $all, force: $force, dryRun: $dryRun, maxLimit: $maxLimit) {
    count msgIds msgIdsTruncated keptIncomplete dryRun } }`;

interface Purged {
  count: number;
  msgIds: string[];
  msgIdsTruncated: boolean;
  keptIncomplete: number;
  dryRun: boolean;
}

describe.each(DIALECTS)("purgeTaskRecords on %s", (dialect) => {
  let gw: TestGateway;
  const purge = async (vars: Record<string, unknown>) =>
    (await gw.ok<{ purgeTaskRecords: Purged }>(PURGE, vars)).purgeTaskRecords;
  const code = async (vars: Record<string, unknown>) => (await gw.gql(PURGE, vars)).errors?.[0]?.extensions?.["code"];

  beforeEach(async () => {
    gw = await startTestGateway(dialect);
    await add(gw, [
      completed("a1", 1),
      completed("a2", 2),
      pending("a3", 3, { engineUuid: "engine-a" }),
      completed("b1", 4, { engineUuid: "engine-b" }),
      pending("b2", 5, { engineUuid: "engine-b" }),
      pending("orphan", 6),
    ]);
  });
  afterEach(() => gw.close());

  it("refuses a missing, empty or ambiguous target and changes nothing", async () => {
    const before = await storedIds(gw);
    for (const vars of [
      {},
      { ids: [] },
      { filter: {} },
      { engines: [] },
      { all: false },
      { ids: ["a1"], all: true },
      { filter: { msg_id: "a1" }, engines: ["engine-a"] },
    ]) {
      expect(await code(vars), JSON.stringify(vars)).toBe("BAD_USER_INPUT");
    }
    expect(await code({ ids: ["a1"], maxLimit: -2 })).toBe("BAD_USER_INPUT");
    expect(await storedIds(gw)).toEqual(before);
  });

  it("purges by ids; a pending id refuses the whole purge unless forced; unknown ids are no error", async () => {
    const refused = await gw.gql(PURGE, { ids: ["a1", "a3", "nope"] });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_STATE", msgIds: ["a3"] });
    expect(refused.errors?.[0]?.message).toContain("force");
    expect(await storedIds(gw)).toContain("a1");
    expect(await purge({ ids: ["a1", "nope"] })).toMatchObject({ count: 1, msgIds: ["a1"], dryRun: false });
    expect(await purge({ ids: ["a3", "orphan"], force: true })).toMatchObject({ count: 2 });
    expect(await storedIds(gw)).toEqual(["a2", "b1", "b2"]);
  });

  it("all: removes only completed records unless forced", async () => {
    const result = await purge({ all: true });
    expect(result).toMatchObject({ count: 3, keptIncomplete: 3, msgIdsTruncated: false });
    expect(result.msgIds.sort()).toEqual(["a1", "a2", "b1"]);
    expect(await storedIds(gw)).toEqual(["a3", "b2", "orphan"]);
    expect(await purge({ all: true, force: true })).toMatchObject({ count: 3, keptIncomplete: 0 });
    expect(await storedIds(gw)).toEqual([]);
  });

  it("by engine: really removes that engine's completed records (the Hub's emulated backends do not)", async () => {
    expect(await purge({ engines: ["engine-b", "engine-gone"] })).toMatchObject({
      count: 1,
      msgIds: ["b1"],
      keptIncomplete: 1,
    });
    expect(await storedIds(gw)).toEqual(["a1", "a2", "a3", "b2", "orphan"]);
    expect(await purge({ engines: ["engine-a"], force: true })).toMatchObject({ count: 3 });
    expect(await storedIds(gw)).toEqual(["b2", "orphan"]);
  });

  it("by filter: refuses pending matches unless forced", async () => {
    expect(await code({ filter: { engine_uuid: "engine-b" } })).toBe("INVALID_STATE");
    expect(await purge({ filter: { engine_uuid: "engine-b", completed: { $ne: null } } })).toMatchObject({
      count: 1,
      msgIds: ["b1"],
    });
    expect(await purge({ filter: { engine_uuid: "engine-b" }, force: true })).toMatchObject({
      count: 1,
      msgIds: ["b2"],
    });
  });

  it("a dry run reports what would go and changes nothing; maxLimit refuses and changes nothing", async () => {
    const before = await storedIds(gw);
    const dry = await purge({ all: true, dryRun: true });
    expect(dry).toEqual({
      count: 3,
      msgIds: ["a1", "a2", "b1"],
      msgIdsTruncated: false,
      keptIncomplete: 3,
      dryRun: true,
    });
    expect(await storedIds(gw)).toEqual(before);
    const over = await gw.gql(PURGE, { all: true, force: true, maxLimit: 5 });
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", maximum: 5, matched: 6 });
    expect(await code({ all: true, force: true, maxLimit: 5, dryRun: true })).toBe("LIMIT_EXCEEDED");
    expect(await storedIds(gw)).toEqual(before);
    expect(await purge({ all: true, force: true, maxLimit: 6 })).toMatchObject({ count: 6 });
  });
});

describe.each(DIALECTS)("large purges on %s", (dialect) => {
  it("delete in batches, oldest first, and report at most maxPageSize ids", async () => {
    const gw = await startTestGateway(dialect, { maxPageSize: 100 });
    try {
      const total = 2 * PURGE_BATCH_SIZE + 500;
      const records = Array.from({ length: total }, (_, i) => completed(`r${String(i).padStart(5, "0")}`, i));
      for (let from = 0; from < total; from += 5000) await add(gw, records.slice(from, from + 5000));
      await add(gw, [pending("still-running", 0)]);
      const { result, statements } = await countStatements(gw.services, () =>
        gw.services.taskPurge.purge({ all: true }),
      );
      expect(result).toMatchObject({ count: total, keptIncomplete: 1, msgIdsTruncated: true });
      expect(result.msgIds).toEqual(Array.from({ length: 100 }, (_, i) => `r${String(i).padStart(5, "0")}`));
      // One DELETE a batch (on Postgres inside the batch's one WITH statement).
      expect(statements.filter((sql) => /\bDELETE\b/.test(sql))).toHaveLength(3);
      expect(await storedIds(gw)).toEqual(["still-running"]);
    } finally {
      await gw.close();
    }
  });
});
