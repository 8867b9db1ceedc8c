import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestGateway, type TestGateway } from "../../support/gateway";

/** DATABASE_URL=none is IPython's NoDB (ipython-hub.md §13): writes are dropped, reads fail with NO_DATA. */
describe("task operations on the 'none' store", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway("none");
  });
  afterAll(() => gw.close());

  it("accepts records and drops them", async () => {
    const data = await gw.ok<{ addTaskRecords: { msgId: string }[] }>(
      `mutation { addTaskRecords(records: [{ msgId: "a" }]) { msgId } }`,
    );
    expect(data.addTaskRecords).toEqual([{ msgId: "a" }]);
  });

  it("fails reads that need stored records with NO_DATA and says why", async () => {
    for (const operation of [
      `{ taskResults(msgIds: ["a"]) { msgId status } }`,
      `mutation { resubmitTasks(msgIds: ["a"]) { dryRun } }`,
      `mutation { purgeTaskRecords(all: true, dryRun: true) { count } }`,
    ]) {
      const result = await gw.gql(operation);
      expect(result.errors?.[0]?.extensions?.["code"], operation).toBe("NO_DATA");
      expect(result.errors?.[0]?.message, operation).toMatch(/'none' store \(NoDB\)/);
    }
  });

  it("purges as a no-op that succeeds, as the Hub's NoDB purge does", async () => {
    const data = await gw.ok<{ purgeTaskRecords: unknown }>(
      `mutation { purgeTaskRecords(msgIds: ["a"]) { count msgIds dryRun } }`,
    );
    expect(data.purgeTaskRecords).toEqual({ count: 0, msgIds: [], dryRun: false });
  });

  it("still validates arguments first", async () => {
    const result = await gw.gql(`mutation { purgeTaskRecords(filter: {}) { count } }`);
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });
});
