/** The runner's side (jobflow-remote.md §8, §6.7, §3.2): step progression, batch steps, dynamic responses, stops. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { errorOf, JobflowDriver } from "./support";

describe.each(DIALECTS)("runner steps on %s", (dialect) => {
  let jf: JobflowDriver;
  beforeEach(async () => {
    jf = await JobflowDriver.start(dialect);
  });
  afterEach(() => jf?.close());

  it("walks the remote-worker steps and records run dir, process id, queue state and times", async () => {
    const f = await jf.addFlow("f", [{ name: "a" }, { name: "b", parents: ["a"] }]);
    const picked = await jf.gw.ok<{ checkoutJob: { dbId: string } }>(
      `mutation($f: String) { checkoutJob(flowUuid: $f) { dbId } }`,
      { f: f.uuid },
    );
    expect(picked.checkoutJob.dbId).toBe("1");
    expect((await jf.flow(f.uuid)).state).toBe("RUNNING");
    expect(errorOf(await jf.step("1", { success: true, to: "RUNNING" })).code).toBe("INVALID_STATE"); // not a step from CHECKED_OUT
    const uploaded = (await jf.step("1", { success: true, runDir: "/scratch/a" })).data?.reportJobStep;
    expect(uploaded).toMatchObject({ state: "UPLOADED", runDir: "/scratch/a" });
    await jf.step("1", { success: true, to: "SUBMITTED", processId: "4242", queueState: "QUEUED" });
    const running = (await jf.step("1", { success: true, to: "RUNNING", queueState: "RUNNING" })).data?.reportJobStep;
    expect(running?.startTime).not.toBeNull();
    await jf.step("1", { success: true, to: "TERMINATED" });
    await jf.step("1", { success: true });
    expect(await jf.job("1")).toMatchObject({ state: "DOWNLOADED", processId: "4242", runDir: "/scratch/a" });
    const done = (await jf.complete("1", true, { response: { output: { energy: -1.5 }, storedData: { note: "ok" } } }))
      .data?.completeJob;
    expect(done).toMatchObject({ state: "COMPLETED", output: { energy: -1.5 }, storedData: { note: "ok" } });
    expect(done?.endTime).not.toBeNull();
    expect(await jf.state("2")).toBe("READY");
    expect(errorOf(await jf.complete("1", true)).code).toBe("INVALID_STATE");
  });

  it("batch workers: UPLOADED → BATCH_SUBMITTED → BATCH_RUNNING → DOWNLOADED; batch processes are registered", async () => {
    await jf.addFlow("f", [{ name: "a" }]);
    await jf.checkout("1");
    await jf.step("1", { success: true });
    await jf.step("1", { success: true, to: "BATCH_SUBMITTED" });
    await jf.step("1", { success: true, to: "BATCH_RUNNING", processId: "batch-uuid-1" });
    expect(await jf.job("1")).toMatchObject({ state: "BATCH_RUNNING", processId: "batch-uuid-1" });
    await jf.step("1", { success: true, to: "DOWNLOADED" });
    expect((await jf.complete("1", true)).data?.completeJob.state).toBe("COMPLETED");
    const add = `mutation($p: String!, $u: String!) { addBatchProcess(worker: "w", processId: $p, processUuid: $u) }`;
    expect((await jf.gw.ok<{ addBatchProcess: string | null }>(add, { p: "12", u: "u1" })).addBatchProcess).toBeNull();
    expect((await jf.gw.ok<{ addBatchProcess: string | null }>(add, { p: "12", u: "u2" })).addBatchProcess).toBe("u1");
    expect(
      (
        await jf.gw.ok<{ batchProcesses: unknown[] }>(
          `{ batchProcesses(worker: "w") { worker processId processUuid } }`,
        )
      ).batchProcesses,
    ).toEqual([{ worker: "w", processId: "12", processUuid: "u2" }]);
    expect(
      (await jf.gw.ok<{ removeBatchProcess: boolean }>(`mutation { removeBatchProcess(worker: "w", processId: "12") }`))
        .removeBatchProcess,
    ).toBe(true);
  });

  it("noRetry failures go straight to REMOTE_ERROR", async () => {
    await jf.addFlow("f", [{ name: "a" }]);
    await jf.checkout("1");
    const failed = (await jf.step("1", { success: false, error: "no job id", noRetry: true })).data?.reportJobStep;
    expect(failed).toMatchObject({
      state: "REMOTE_ERROR",
      previousState: "CHECKED_OUT",
      remoteError: "no job id",
      stepAttempts: 0,
    });
  });

  it("addition and detour responses add jobs to the flow with fresh db ids, in upstream's order", async () => {
    const f = await jf.addFlow("f", [{ name: "a" }, { name: "b", parents: ["a"] }]);
    await jf.run("1", {
      response: { detour: [{ name: "d1" }, { name: "d2", parents: [] }], addition: [{ name: "x" }] },
    });
    const jobs = await jf.gw.ok<{
      jobs: {
        edges: { node: { dbId: string; uuid: string; name: string; state: string; parentUuids: string[] } }[];
      };
    }>(`{ jobs { edges { node { dbId uuid name state parentUuids flowParentUuids } } } }`);
    const byName = Object.fromEntries(jobs.jobs.edges.map((edge) => [edge.node.name, edge.node]));
    const [a, d1, d2] = [f.uuids["a"], byName["d1"]?.uuid, byName["d2"]?.uuid];
    // checkin_job applies addition before detour: x gets db id 3, the detour 4 and 5.
    expect(byName["d1"]).toMatchObject({ dbId: "4", state: "READY", parentUuids: [a], flowParentUuids: [a] });
    expect(byName["d2"]).toMatchObject({ dbId: "5", state: "READY", parentUuids: [a] });
    // The detour's leaves join the job-level parents of every job waiting for a, the addition's root included.
    expect(byName["x"]).toMatchObject({ dbId: "3", state: "WAITING", parentUuids: [a, d1, d2], flowParentUuids: [a] });
    expect(byName["b"]).toMatchObject({ state: "WAITING", parentUuids: [a, d1, d2], flowParentUuids: [a] });
    expect((await jf.flow(f.uuid)).ids).toHaveLength(5);
  });

  it("stopChildren and stopJobflow stop WAITING jobs only", async () => {
    const f = await jf.addFlow("f", [
      { name: "a" },
      { name: "b", parents: ["a"] },
      { name: "c", parents: ["b"] },
      { name: "r" },
    ]);
    expect(
      (
        await jf.gw.ok<{ stopChildren: number }>(`mutation($u: String!) { stopChildren(jobUuid: $u) }`, {
          u: f.uuids["a"],
        })
      ).stopChildren,
    ).toBe(1);
    expect(await jf.state("2")).toBe("STOPPED");
    expect(
      (await jf.gw.ok<{ stopJobflow: number }>(`mutation($u: String) { stopJobflow(flowUuid: $u) }`, { u: f.uuid }))
        .stopJobflow,
    ).toBe(1);
    expect([await jf.state("3"), await jf.state("4")]).toEqual(["STOPPED", "READY"]);
    expect(errorOf(await jf.gw.gql(`mutation { stopJobflow }`)).code).toBe("BAD_USER_INPUT");
  });

  it("a stop_children response stops the completed job's waiting children", async () => {
    await jf.addFlow("f", [{ name: "a" }, { name: "b", parents: ["a"] }]);
    await jf.run("1", { response: { stopChildren: true } });
    expect(await jf.state("2")).toBe("STOPPED");
  });

  it("rejects flows with unknown parents or cycles, writing nothing", async () => {
    const add = (flow: Record<string, unknown>) =>
      jf.gw.gql(`mutation($f: FlowInput!) { addFlow(flow: $f) { uuid } }`, { f: flow });
    expect(errorOf(await add({ name: "x", jobs: [{ uuid: "a", name: "a", parents: ["zzz"] }] })).code).toBe(
      "BAD_USER_INPUT",
    );
    expect(
      errorOf(
        await add({
          name: "x",
          jobs: [
            { uuid: "a", name: "a", parents: ["b"] },
            { uuid: "b", name: "b", parents: ["a"] },
          ],
        }),
      ).message,
    ).toContain("cycle");
    expect(await jf.countJobs()).toBe(0);
  });
});
