import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { countStatements, startTestGateway, type TestGateway } from "../../support/gateway";
import { add, completed, pending } from "./records";

const RESULTS = `query($ids: [ID!]!) { taskResults(msgIds: $ids) {
  msgId status header metadata submitted completed received engineUuid resultHeader resultMetadata resultContent
  resultBuffers executeInput executeResult error stdout stderr } }`;

interface Result {
  msgId: string;
  status: string;
  [key: string]: unknown;
}

describe.each(DIALECTS)("taskResults on %s", (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(dialect, { maxBatchSize: 60 });
    await add(gw, [
      completed("done-1", 1, {
        executeInput: "1 + 1",
        executeResult: { data: { "text/plain": "2" } },
        stderr: "warn\n",
      }),
      completed("failed-2", 2, {
        resultContent: { status: "error", ename: "ZeroDivisionError" },
        error: { ename: "ZeroDivisionError", evalue: "x", traceback: [] },
      }),
      pending("running-3", 3, { stdout: "partial\n" }),
    ]);
  });
  afterAll(() => gw.close());

  it("answers each id with its own status, in the order asked, unknown ids included", async () => {
    const data = await gw.ok<{ taskResults: Result[] }>(RESULTS, {
      ids: ["running-3", "nope", "done-1", "failed-2", "done-1"],
    });
    expect(data.taskResults.map((r) => [r.msgId, r.status])).toEqual([
      ["running-3", "PENDING"],
      ["nope", "UNKNOWN"],
      ["done-1", "COMPLETED"],
      ["failed-2", "COMPLETED"],
      ["done-1", "COMPLETED"],
    ]);
  });

  it("returns the Hub's result payload for a completed task", async () => {
    const [done] = (await gw.ok<{ taskResults: Result[] }>(RESULTS, { ids: ["done-1"] })).taskResults;
    const original = completed("done-1", 1);
    expect(done).toMatchObject({
      header: original.header,
      metadata: original.metadata,
      resultHeader: original.resultHeader,
      resultMetadata: original.resultMetadata,
      resultContent: { status: "ok" },
      resultBuffers: original.resultBuffers,
      received: original.received,
      completed: original.completed,
      engineUuid: "engine-a",
      executeInput: "1 + 1",
      executeResult: { data: { "text/plain": "2" } },
      error: null,
      stdout: "hello from done-1\n",
      stderr: "warn\n",
    });
    const [failed] = (await gw.ok<{ taskResults: Result[] }>(RESULTS, { ids: ["failed-2"] })).taskResults;
    expect(failed?.error).toEqual({ ename: "ZeroDivisionError", evalue: "x", traceback: [] });
  });

  it("gives a pending task's output so far and no result, and nothing but the status for an unknown id", async () => {
    const [running, unknown] = (await gw.ok<{ taskResults: Result[] }>(RESULTS, { ids: ["running-3", "nope"] }))
      .taskResults;
    expect(running).toMatchObject({
      status: "PENDING",
      stdout: "partial\n",
      completed: null,
      resultContent: null,
      resultBuffers: null,
    });
    expect(unknown).toMatchObject({ status: "UNKNOWN", header: null, resultBuffers: null, stdout: null });
  });

  it("reads at most two statements whatever the number of ids", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => (i % 2 ? `missing-${i}` : "done-1"));
    const { result, statements } = await countStatements(gw.services, () => gw.services.taskResults.results(ids));
    expect(result).toHaveLength(50);
    expect(statements.length).toBeLessThanOrEqual(2);
  });

  it("refuses more ids than HUBQL_MAX_BATCH_SIZE and an empty id", async () => {
    const tooMany = await gw.gql(RESULTS, { ids: Array.from({ length: 61 }, (_, i) => `id-${i}`) });
    expect(tooMany.errors?.[0]?.extensions?.["code"]).toBe("LIMIT_EXCEEDED");
    const empty = await gw.gql(RESULTS, { ids: [""] });
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "msgIds" });
    expect((await gw.ok<{ taskResults: Result[] }>(RESULTS, { ids: [] })).taskResults).toEqual([]);
  });
});
