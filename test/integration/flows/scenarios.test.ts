/**
 * The 34 acceptance scenarios of jobflow-remote.md §9, through the GraphQL API, on SQLite and on Postgres. Each
 * scenario gets a fresh store, so db ids start at "1" as in the spec. Where hubql deliberately differs from upstream
 * (all-or-nothing bulk operations, LOCKED instead of silent skips, no `reset`), the test says so.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { byIds, byJob, errorOf, JobflowDriver, sleep } from "./support";

describe.each(DIALECTS)("jobflow-remote scenarios on %s", (dialect) => {
  let jf: JobflowDriver;
  beforeEach(async () => {
    jf = await JobflowDriver.start(dialect);
  });
  afterEach(() => jf?.close());

  const chain = () =>
    jf.addFlow("chain", [{ name: "j1" }, { name: "j2", parents: ["j1"] }, { name: "j3", parents: ["j2"] }]);

  it("1. submits a→b and runs it to completion", async () => {
    const f = await jf.addFlow("f", [{ name: "a" }, { name: "b", parents: ["a"] }]);
    expect(f.dbIds).toEqual({ a: "1", b: "2" });
    expect(await jf.state("1")).toBe("READY");
    expect(await jf.state("2")).toBe("WAITING");
    expect((await jf.flow(f.uuid)).state).toBe("READY");
    await jf.run("1");
    await jf.run("2");
    expect([await jf.state("1"), await jf.state("2")]).toEqual(["COMPLETED", "COMPLETED"]);
    expect((await jf.flow(f.uuid)).state).toBe("COMPLETED");
  });

  it("2. named job and flow filters", async () => {
    const w = { worker: "test_local_worker" };
    const f1 = await jf.addFlow(
      "f1",
      [
        { name: "add1", metadata: { test_meta: 1 } },
        { name: "add2", parents: ["add1"] },
      ],
      w,
    );
    const f2 = await jf.addFlow("f2", [{ name: "add3" }, { name: "add4", parents: ["add3"] }], w);
    await sleep(10);
    const t = new Date().toISOString();
    await sleep(10);
    await jf.run("1");
    expect(await jf.countJobs({ states: ["READY"] })).toBe(2);
    expect(await jf.countJobs({ states: ["COMPLETED"] })).toBe(1);
    expect(await jf.countJobs({ dbIds: ["1"] })).toBe(1);
    expect(await jf.countJobs({ jobIds: [{ uuid: f1.uuids["add1"], index: 1 }] })).toBe(1);
    expect(await jf.countJobs({ startDate: t })).toBe(1);
    const ended = await jf.gw.ok<{ jobs: { edges: { node: { name: string } }[] } }>(
      `query($q: JobQueryInput) { jobs(query: $q) { edges { node { name } } } }`,
      { q: { endDate: t } },
    );
    expect(ended.jobs.edges.map((edge) => edge.node.name)).toEqual(["add2", "add3", "add4"]);
    expect(await jf.countJobs({ metadata: { test_meta: 1 } })).toBe(1);
    expect(await jf.countJobs({ name: "add" })).toBe(0);
    expect(await jf.countJobs({ name: "add1" })).toBe(1);
    expect(await jf.countJobs({ name: "add*" })).toBe(4);
    expect(await jf.countJobs({ name: "add[!1]" })).toBe(3);
    expect(await jf.countJobs({ flowIds: [f1.uuid] })).toBe(2);
    expect(await jf.countJobs({ workers: ["test_local_worker"] })).toBe(4);
    expect(await jf.countJobs({ workers: ["xxx"] })).toBe(0);
    expect((await jf.lockJob("2")).errors).toBeUndefined();
    expect(await jf.countJobs({ locked: true })).toBe(1);
    expect(await jf.countJobs({ locked: false })).toBe(3);
    expect(await jf.countJobs({}, { uuid: { $in: [f1.uuids["add1"], f1.uuids["add2"]] } })).toBe(2);
    expect(await jf.countJobs({ states: [] })).toBe(0); // upstream: an empty list means "all"
    expect(await jf.countFlows({ states: ["READY"] })).toBe(1);
    expect(await jf.countFlows({ states: ["RUNNING"] })).toBe(1);
    expect(await jf.countFlows({ jobIds: [f1.uuids["add1"] as string] })).toBe(1);
    expect(await jf.countFlows({ dbIds: ["1"] })).toBe(1);
    expect(await jf.countFlows({ flowIds: [f1.uuid] })).toBe(1);
    expect(await jf.countFlows({ startDate: t })).toBe(1);
    expect(await jf.countFlows({ endDate: t })).toBe(1);
    // Both dates apply (upstream's end_date overwrote start_date, so this matched both flows).
    expect(await jf.countFlows({ startDate: t, endDate: new Date(Date.now() + 60_000).toISOString() })).toBe(1);
    expect(await jf.countFlows({ name: "f1" })).toBe(1);
    expect(await jf.countFlows({ name: "f*" })).toBe(2);
    expect(f2.uuid).not.toBe(f1.uuid);
  });

  it("3. rerun of a READY job is refused", async () => {
    await chain();
    await jf.run("1");
    const error = errorOf(await jf.bulk("rerunJobs", byIds("2")));
    expect(error.code).toBe("INVALID_STATE");
    expect(error.message).toContain("The Job is in the READY state");
  });

  it("4. rerun of a COMPLETED job needs force; nothing changes", async () => {
    await chain();
    await jf.run("1");
    const error = errorOf(await jf.bulk("rerunJobs", byIds("1")));
    expect(error.message).toContain("Job in state COMPLETED cannot be rerun");
    expect([await jf.state("1"), await jf.state("2"), await jf.state("3")]).toEqual(["COMPLETED", "READY", "WAITING"]);
  });

  it("5. forced rerun resets the descendants", async () => {
    const f = await chain();
    await jf.run("1");
    expect(await jf.ok("rerunJobs", { ...byJob(f.uuids["j1"] as string, 1), force: true })).toEqual(["1", "2"]);
    expect([await jf.state("1"), await jf.state("2"), await jf.state("3")]).toEqual(["READY", "WAITING", "WAITING"]);
    expect((await jf.flow(f.uuid)).state).toBe("READY");
  });

  const allCompleted = async () => {
    const f = await chain();
    for (const id of ["1", "2", "3"]) await jf.run(id);
    return f;
  };

  it("6. forced rerun of the last job", async () => {
    const f = await allCompleted();
    expect(errorOf(await jf.bulk("rerunJobs", byIds("3"))).message).toContain("COMPLETED");
    expect(await jf.ok("rerunJobs", { ...byIds("3"), force: true })).toEqual(["3"]);
    expect(await jf.state("3")).toBe("READY");
    expect((await jf.flow(f.uuid)).state).toBe("RUNNING");
  });

  it("7. a leased job refuses rerun, also after wait", async () => {
    await allCompleted();
    await jf.ok("rerunJobs", { ...byIds("3"), force: true });
    expect((await jf.lockJob("2")).errors).toBeUndefined();
    const now = errorOf(await jf.bulk("rerunJobs", byIds("2")));
    expect(now.code).toBe("LOCKED");
    expect(now.message).toContain("Job with db_id 2 is locked");
    const started = Date.now();
    const waited = errorOf(await jf.bulk("rerunJobs", { ...byIds("2"), wait: 1 }));
    expect(waited.code).toBe("LOCKED");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("8. a leased child blocks a forced rerun of its parent; nothing changes", async () => {
    const f = await allCompleted();
    await jf.ok("rerunJobs", { ...byIds("3"), force: true });
    expect((await jf.lockJob("3")).errors).toBeUndefined();
    const error = errorOf(await jf.bulk("rerunJobs", { ...byIds("2"), force: true }));
    expect(error.code).toBe("LOCKED");
    expect(error.message).toContain("Job with db_id 3");
    expect(await jf.state("2")).toBe("COMPLETED");
    expect((await jf.flow(f.uuid)).state).toBe("RUNNING");
  });

  it("9. breakLock steals the lease; the former holder's release finds nothing", async () => {
    const f = await allCompleted();
    await jf.ok("rerunJobs", { ...byIds("3"), force: true });
    const lease = (await jf.lockJob("2")).data?.lockJob;
    expect(await jf.ok("rerunJobs", { ...byIds("2"), force: true, breakLock: true })).toEqual(["2", "3"]);
    expect([await jf.state("2"), await jf.state("3")]).toEqual(["READY", "WAITING"]);
    expect((await jf.flow(f.uuid)).state).toBe("RUNNING");
    expect(await jf.release(lease?.lockId as string)).toBe(false);
    expect((await jf.job("2")).isLocked).toBe(false);
  });

  const failingFlow = () =>
    jf.addFlow("fail", [
      { name: "j1" },
      { name: "j2", parents: ["j1"] },
      { name: "j3", parents: ["j1"], onMissingReferences: "none" },
      { name: "j4", parents: ["j3"] },
    ]);

  it("10. a failed parent: the tolerant child runs; rerun resets first-level children", async () => {
    const f = await failingFlow();
    await jf.run("1", { success: false, error: "boom" });
    expect([await jf.state("1"), await jf.state("2"), await jf.state("3"), await jf.state("4")]).toEqual([
      "FAILED",
      "WAITING",
      "READY",
      "WAITING",
    ]);
    expect((await jf.job("1")).error).toBe("boom");
    expect((await jf.flow(f.uuid)).state).toBe("FAILED");
    expect(await jf.ok("rerunJobs", byIds("1"))).toEqual(["1", "3"]);
    expect([await jf.state("1"), await jf.state("2"), await jf.state("3"), await jf.state("4")]).toEqual([
      "READY",
      "WAITING",
      "WAITING",
      "WAITING",
    ]);
    expect((await jf.flow(f.uuid)).state).toBe("READY");
    expect(await jf.countJobs({ states: ["READY"] })).toBe(1);
  });

  it("11. a COMPLETED child needs force; force resets every descendant", async () => {
    await failingFlow();
    await jf.run("1", { success: false });
    await jf.run("3");
    expect(await jf.state("4")).toBe("READY");
    expect(errorOf(await jf.bulk("rerunJobs", byIds("1"))).message).toMatch(
      /The child of Job 1 .*has state COMPLETED which is not acceptable/,
    );
    expect(await jf.ok("rerunJobs", { ...byIds("1"), force: true })).toEqual(["1", "3", "4"]);
    expect(await jf.countJobs({ states: ["READY"] })).toBe(1);
  });

  it("12. a replaced descendant blocks even a forced rerun", async () => {
    const f = await failingFlow();
    await jf.run("1", { success: false });
    await jf.run("3");
    await jf.run("4", { response: { replace: { name: "j4" } } });
    expect(await jf.countJobs({ jobIds: [{ uuid: f.uuids["j4"], index: 2 }] })).toBe(1);
    expect((await jf.jobByUuid(f.uuids["j4"] as string))?.state).toBe("READY");
    expect(errorOf(await jf.bulk("rerunJobs", byIds("1"))).message).toContain(
      "has state COMPLETED which is not acceptable",
    );
    expect(errorOf(await jf.bulk("rerunJobs", { ...byIds("1"), force: true })).message).toContain(
      "which is not the last index",
    );
    expect(await jf.state("1")).toBe("FAILED");
    expect((await jf.jobByUuid(f.uuids["j4"] as string, 2))?.state).toBe("READY");
    expect((await jf.flow(f.uuid)).state).toBe("FAILED");
  });

  const toRemoteError = async () => {
    const f = await jf.addFlow("re", [{ name: "j1" }, { name: "j2", parents: ["j1"] }]);
    await jf.checkout("1");
    const first = await jf.step("1", {
      success: false,
      error: "upload failed",
      maxStepAttempts: 1,
      deltaRetrySeconds: [1],
    });
    expect(first.data?.reportJobStep).toMatchObject({
      state: "CHECKED_OUT",
      stepAttempts: 1,
      remoteError: "upload failed",
    });
    await sleep(1050);
    const second = await jf.step("1", {
      success: false,
      error: "upload failed",
      maxStepAttempts: 1,
      deltaRetrySeconds: [1],
    });
    expect(second.errors).toBeUndefined();
    return f;
  };

  it("13. repeated step failures end in REMOTE_ERROR; forced rerun makes the job READY", async () => {
    const f = await toRemoteError();
    const job = await jf.job("1");
    expect(job).toMatchObject({ state: "REMOTE_ERROR", previousState: "CHECKED_OUT" });
    expect(job.retryTimeLimit).not.toBeNull();
    expect((await jf.flow(f.uuid)).state).toBe("RUNNING");
    expect(await jf.ok("rerunJobs", { ...byIds("1"), force: true })).toEqual(["1"]);
    expect(await jf.state("1")).toBe("READY");
    expect((await jf.flow(f.uuid)).state).toBe("READY");
  });

  it("14. retry of a READY job is refused", async () => {
    await jf.addFlow("one", [{ name: "j" }]);
    expect(errorOf(await jf.bulk("retryJobs", byIds("1"))).message).toContain("Job in state READY cannot be retried");
  });

  it("15–16. retry from REMOTE_ERROR goes back to the failed step; a new failure waits delta_retry", async () => {
    await toRemoteError();
    expect(await jf.ok("retryJobs", byIds("1"))).toEqual(["1"]);
    expect(await jf.job("1")).toMatchObject({ state: "CHECKED_OUT", retryTimeLimit: null, stepAttempts: 0 });
    const before = Date.now();
    const failed = await jf.step("1", { success: false, error: "again", deltaRetrySeconds: [30, 300, 1200] });
    const job = failed.data?.reportJobStep;
    expect(job).toMatchObject({ state: "CHECKED_OUT", stepAttempts: 1 });
    const limit = Date.parse(job?.retryTimeLimit as string);
    expect(limit).toBeGreaterThanOrEqual(before + 29_000);
    expect(limit).toBeLessThanOrEqual(Date.now() + 31_000);
    await sleep(200);
    expect(errorOf(await jf.step("1", { success: true })).code).toBe("INVALID_STATE");
  });

  it("17. pause and play", async () => {
    const f = await jf.addFlow("one", [{ name: "j" }]);
    expect(await jf.ok("pauseJobs", byJob(f.uuids["j"] as string, 1))).toEqual(["1"]);
    expect(await jf.state("1")).toBe("PAUSED");
    expect((await jf.flow(f.uuid)).state).toBe("PAUSED");
    expect(errorOf(await jf.bulk("pauseJobs", byIds("1"))).code).toBe("INVALID_STATE");
    expect(await jf.ok("playJobs", byIds("1"))).toEqual(["1"]);
    expect(await jf.state("1")).toBe("READY");
    expect((await jf.flow(f.uuid)).state).toBe("READY");
    expect(errorOf(await jf.bulk("playJobs", byIds("1"))).code).toBe("INVALID_STATE");
  });

  it("18. stop", async () => {
    const f = await jf.addFlow("one", [{ name: "j" }]);
    expect(await jf.ok("stopJobs", byJob(f.uuids["j"] as string, 1))).toEqual(["1"]);
    expect(await jf.state("1")).toBe("USER_STOPPED");
    expect((await jf.flow(f.uuid)).state).toBe("STOPPED");
    expect(errorOf(await jf.bulk("stopJobs", byIds("1"))).code).toBe("INVALID_STATE");
  });

  it("19. unlockJobs and unlockFlows clear stale leases", async () => {
    const f = await jf.addFlow("one", [{ name: "j" }]);
    const lease = (await jf.lockJob("1")).data?.lockJob;
    const unlocked = await jf.gw.ok<{ unlockJobs: { count: number } }>(
      `mutation($q: JobQueryInput) { unlockJobs(query: $q) { count } }`,
      {
        q: { jobIds: [{ uuid: f.uuids["j"], index: 1 }] },
      },
    );
    expect(unlocked.unlockJobs.count).toBe(1);
    expect(await jf.release(lease?.lockId as string)).toBe(false);
    expect((await jf.lockFlow(f.uuid)).errors).toBeUndefined();
    const flows = await jf.gw.ok<{ unlockFlows: { count: number } }>(
      `mutation($q: FlowQueryInput) { unlockFlows(query: $q) { count } }`,
      { q: { flowIds: [f.uuid] } },
    );
    expect(flows.unlockFlows.count).toBe(1);
  });

  it("21. a selection is required; accepted states are checked", async () => {
    await jf.addFlow("one", [{ name: "j" }]);
    const none = errorOf(await jf.bulk("setJobRunProperties", { priority: 3 }));
    expect(none.code).toBe("BAD_USER_INPUT");
    await jf.checkout("1");
    const running = errorOf(await jf.bulk("setJobRunProperties", { ...byIds("1"), priority: 3 }));
    expect(running.code).toBe("INVALID_STATE");
    expect(running.message).toContain("in state CHECKED_OUT. The action cannot be performed");
  });

  it("22. (reset) deleteFlows guards with maxLimit; db ids are never reused", async () => {
    await jf.addFlow("f1", [{ name: "a" }, { name: "b", parents: ["a"] }]);
    await jf.addFlow("f2", [{ name: "c" }, { name: "d", parents: ["c"] }]);
    const del = (vars: Record<string, unknown>) =>
      jf.gw.gql<{ deleteFlows: { flowUuids: string[]; deletedJobs: number; dryRun: boolean } }>(
        `mutation($all: Boolean, $maxLimit: Int, $dryRun: Boolean) { deleteFlows(all: $all, maxLimit: $maxLimit, dryRun: $dryRun) { flowUuids deletedJobs dryRun } }`,
        vars,
      );
    expect(errorOf(await del({})).code).toBe("BAD_USER_INPUT");
    const limited = errorOf(await del({ all: true, maxLimit: 1 }));
    expect(limited.code).toBe("LIMIT_EXCEEDED");
    expect(limited.message).toContain("Cannot delete 2 Flows");
    expect(await jf.countJobs()).toBe(4);
    const dry = await del({ all: true, dryRun: true });
    expect(dry.data?.deleteFlows).toMatchObject({ deletedJobs: 4, dryRun: true });
    expect(await jf.countJobs()).toBe(4);
    expect((await del({ all: true, maxLimit: 10 })).data?.deleteFlows.deletedJobs).toBe(4);
    expect(await jf.countJobs()).toBe(0);
    const again = await jf.addFlow("f3", [{ name: "e" }]);
    expect(again.dbIds["e"]).toBe("5");
  });

  it("23. deleting a leaf; the only job of a flow cannot be deleted", async () => {
    const f1 = await jf.addFlow("f1", [{ name: "add1" }, { name: "add2", parents: ["add1"] }]);
    await jf.addFlow("f2", [{ name: "add3" }, { name: "add4", parents: ["add3"] }]);
    await jf.run("1", { response: { output: { result: 3 } } });
    expect((await jf.flow(f1.uuid)).state).toBe("RUNNING");
    expect(await jf.ok("deleteJobs", byIds("2"))).toEqual(["2"]);
    expect(await jf.countJobs()).toBe(3);
    const flow = await jf.flow(f1.uuid);
    expect(flow.state).toBe("COMPLETED");
    expect(flow.jobUuids).toEqual([f1.uuids["add1"]]);
    expect(flow.ids).toHaveLength(1);
    expect(flow.parents).toEqual({ [f1.uuids["add1"] as string]: { "1": [] } });
    expect((await jf.job("1")).output).toEqual({ result: 3 });
    const only = errorOf(await jf.bulk("deleteJobs", byIds("1")));
    expect(only.message).toContain("It is not possible to delete the only Job of the Flow");
  });

  it("24. deleting a job deletes its output with it; children lose the dangling parent", async () => {
    await jf.addFlow("f2", [{ name: "add3" }, { name: "add4", parents: ["add3"] }]);
    await jf.run("1", { response: { output: { big: "data" }, storedData: { k: 1 } } });
    expect(await jf.ok("deleteJobs", byIds("1"))).toEqual(["1"]);
    expect(await jf.countJobs({ dbIds: ["1"] })).toBe(0);
    expect((await jf.job("2")).parentUuids).toEqual([]);
  });

  it("25. deleteJobs refuses more than maxLimit (default 10)", async () => {
    const names = Array.from({ length: 13 }, (_, i) => `c${i}`);
    const f = await jf.addFlow(
      "long",
      names.map((name, i) => ({ name, parents: i === 0 ? [] : [names[i - 1] as string] })),
    );
    const last12 = { query: { jobIds: names.slice(1).map((name) => ({ uuid: f.uuids[name], index: 1 })) } };
    const error = errorOf(await jf.bulk("deleteJobs", last12));
    expect(error.code).toBe("LIMIT_EXCEEDED");
    expect(error.message).toContain("Cannot perform delete on 12 Jobs");
    expect(await jf.countJobs()).toBe(13);
    expect(await jf.ok("deleteJobs", { ...last12, maxLimit: 20 })).toHaveLength(12);
    expect((await jf.flow(f.uuid)).ids).toHaveLength(1);
  });

  it("26. replaced jobs: deleting indexes one by one", async () => {
    const f = await jf.addFlow("rep", [{ name: "j1" }, { name: "j2", parents: ["j1"] }]);
    const [j1, j2] = [f.uuids["j1"] as string, f.uuids["j2"] as string];
    await jf.run("1", { response: { replace: { name: "j1" } } });
    expect(await jf.state("2")).toBe("WAITING");
    const replacement = await jf.jobByUuid(j1);
    expect(replacement).toMatchObject({ index: 2, state: "READY", dbId: "3" });
    await jf.run("3");
    await jf.run("2");
    let flow = await jf.flow(f.uuid);
    expect(flow.state).toBe("COMPLETED");
    expect([flow.jobUuids.length, flow.ids.length]).toEqual([2, 3]);
    expect(flow.parents[j2]?.["1"]).toEqual([j1]);
    await jf.ok("deleteJobs", byJob(j1, 2));
    flow = await jf.flow(f.uuid);
    expect([await jf.countJobs(), flow.jobUuids.length, flow.ids.length, Object.keys(flow.parents).length]).toEqual([
      2, 2, 2, 2,
    ]);
    expect(flow.state).toBe("COMPLETED");
    expect(flow.parents[j2]?.["1"]).toEqual([j1]);
    await jf.ok("deleteJobs", byJob(j1, 1));
    flow = await jf.flow(f.uuid);
    expect([await jf.countJobs(), flow.jobUuids.length, flow.ids.length, Object.keys(flow.parents).length]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(flow.parents[j2]?.["1"]).toEqual([]);
  });

  it("27. adding the same flow twice fails and writes nothing", async () => {
    await jf.addFlow("dup", [{ name: "a" }], { uuid: "flow-dup" });
    const again = await jf.gw.gql(`mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid } }`, {
      flow: { uuid: "flow-dup", name: "dup", jobs: [{ name: "b" }] },
    });
    expect(errorOf(again).message).toContain("A duplicate key error");
    expect(await jf.countJobs()).toBe(1);
    expect((await jf.addFlow("next", [{ name: "c" }])).dbIds["c"]).toBe("2");
  });

  it("28. counts per state", async () => {
    await jf.addFlow("f", [{ name: "a" }, { name: "b", parents: ["a"] }]);
    const counts = async () => {
      const data = await jf.gw.ok<{
        jobStateCounts: { state: string; count: number }[];
        flowStateCounts: { state: string; count: number }[];
      }>(`{ jobStateCounts { state count } flowStateCounts { state count } }`);
      const nonZero = (list: { state: string; count: number }[]) =>
        Object.fromEntries(list.filter((c) => c.count > 0).map((c) => [c.state, c.count]));
      expect(data.jobStateCounts).toHaveLength(16);
      expect(data.flowStateCounts).toHaveLength(7);
      return { jobs: nonZero(data.jobStateCounts), flows: nonZero(data.flowStateCounts) };
    };
    expect(await counts()).toEqual({ jobs: { READY: 1, WAITING: 1 }, flows: { READY: 1 } });
    await jf.run("1");
    expect(await counts()).toEqual({ jobs: { COMPLETED: 1, READY: 1 }, flows: { RUNNING: 1 } });
  });

  it("29. setJobState, retry in a running state, forced rerun", async () => {
    const f1 = await jf.addFlow("f1", [{ name: "add1" }, { name: "add2", parents: ["add1"] }]);
    await jf.addFlow("f2", [{ name: "add3" }, { name: "add4", parents: ["add3"] }]);
    expect(await jf.ok("setJobState", { ...byIds("1"), state: "UPLOADED" })).toEqual(["1"]);
    expect(await jf.state("1")).toBe("UPLOADED");
    expect((await jf.flow(f1.uuid)).state).toBe("READY"); // not recomputed, as upstream
    expect(await jf.ok("retryJobs", { ...byIds("1"), breakLock: true })).toEqual(["1"]);
    expect(await jf.state("1")).toBe("UPLOADED");
    expect(errorOf(await jf.bulk("retryJobs", byIds("2"))).code).toBe("INVALID_STATE");
    await jf.ok("setJobState", { ...byIds("1"), state: "COMPLETED" });
    expect(await jf.ok("rerunJobs", { ...byIds("1"), force: true })).toEqual(["1"]);
    expect(await jf.state("1")).toBe("READY");
    expect(errorOf(await jf.bulk("rerunJobs", byIds("1"))).message).toContain("READY");
  });

  it("30. retry from REMOTE_ERROR without a previous state is refused", async () => {
    await jf.addFlow("f", [{ name: "a" }]);
    await jf.ok("setJobState", { ...byIds("1"), state: "REMOTE_ERROR" });
    expect(errorOf(await jf.bulk("retryJobs", byIds("1"))).message).toContain(
      "previous state: None is not a valid state",
    );
  });

  it("31. a paused job does not block checkout of the others; checkout leaves a PAUSED flow alone", async () => {
    const f = await jf.addFlow("f", [{ name: "a" }, { name: "b" }]);
    await jf.ok("pauseJobs", byIds("2"));
    expect((await jf.flow(f.uuid)).state).toBe("PAUSED");
    const picked = await jf.gw.ok<{ checkoutJob: { dbId: string; state: string } }>(
      `mutation { checkoutJob { dbId state } }`,
    );
    expect(picked.checkoutJob).toEqual({ dbId: "1", state: "CHECKED_OUT" });
    expect((await jf.flow(f.uuid)).state).toBe("PAUSED");
  });

  it("32. play honours on_missing_references 'pass' with a FAILED parent", async () => {
    await jf.addFlow("f", [{ name: "p" }, { name: "c", parents: ["p"], onMissingReferences: "pass" }]);
    await jf.run("1", { success: false });
    expect(await jf.state("2")).toBe("WAITING");
    await jf.ok("pauseJobs", byIds("2"));
    await jf.ok("playJobs", byIds("2"));
    expect(await jf.state("2")).toBe("READY");
  });

  it("33. a job leased by a runner: every operation answers LOCKED (none skips it silently); the holder may act", async () => {
    await jf.addFlow("f", [{ name: "a" }, { name: "b", parents: ["a"] }]);
    const picked = await jf.gw.ok<{ checkoutJob: { dbId: string; lockId: string; lockHolder: string } }>(
      `mutation { checkoutJob(holder: "runner-1") { dbId lockId lockHolder } }`,
    );
    expect(picked.checkoutJob.lockHolder).toBe("runner-1");
    for (const [mutation, extra] of [
      ["setJobRunProperties", { priority: 4 }],
      ["setJobState", { state: "READY" }],
      ["pauseJobs", {}],
      ["stopJobs", {}],
      ["rerunJobs", {}],
      ["deleteJobs", {}],
    ] as const) {
      const error = errorOf(await jf.bulk(mutation, { ...byIds("1"), ...extra }));
      expect(error.code, mutation).toBe("LOCKED");
      expect(error.extensions["lockedBy"]).toBe("runner-1");
      expect(typeof error.extensions["lockedSince"]).toBe("string");
    }
    const started = Date.now();
    expect(errorOf(await jf.bulk("stopJobs", { ...byIds("1"), wait: 0.3 })).code).toBe("LOCKED");
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(await jf.ok("stopJobs", { ...byIds("1"), lockId: picked.checkoutJob.lockId })).toEqual(["1"]);
  });

  it("34. stop: WAITING is not stoppable; a stopped parent leaves its child WAITING", async () => {
    const f = await jf.addFlow("f", [{ name: "a" }, { name: "b", parents: ["a"] }]);
    await jf.checkout("1");
    expect(errorOf(await jf.bulk("stopJobs", byIds("2"))).code).toBe("INVALID_STATE");
    expect(await jf.ok("stopJobs", byIds("1"))).toEqual(["1"]);
    expect([await jf.state("1"), await jf.state("2")]).toEqual(["USER_STOPPED", "WAITING"]);
    expect((await jf.flow(f.uuid)).state).toBe("STOPPED");
  });
});

describe.each(DIALECTS)("project settings on %s (scenario 20)", (dialect) => {
  let jf: JobflowDriver;
  beforeEach(async () => {
    jf = await JobflowDriver.start(dialect, { workers: ["w1", "w2"], execConfigs: ["test"] });
  });
  afterEach(async () => {
    await jf?.close();
  });

  it("20. setJobRunProperties validates against the project and merges objects", async () => {
    await jf.addFlow("f", [{ name: "j" }]);
    const set = (args: Record<string, unknown>) => jf.bulk("setJobRunProperties", { ...byIds("1"), ...args });
    expect(errorOf(await set({ worker: "missing" })).message).toContain("worker missing is not present in the project");
    expect((await set({ worker: "w2" })).data?.["setJobRunProperties"]?.dbIds).toEqual(["1"]);
    expect((await jf.job("1")).worker).toBe("w2");
    expect(errorOf(await set({ execConfig: "missing" })).message).toContain(
      "exec_config missing is not present in the project",
    );
    await set({ execConfig: "test" });
    expect((await jf.job("1")).execConfig).toBe("test");
    await set({ execConfig: { modules: ["m1"] } });
    expect((await jf.job("1")).execConfig).toEqual({ modules: ["m1"] });
    await set({ execConfig: { pre_run: "x" }, update: false });
    expect((await jf.job("1")).execConfig).toEqual({ pre_run: "x" });
    await set({ execConfig: { modules: ["m1"] } });
    expect((await jf.job("1")).execConfig).toEqual({ pre_run: "x", modules: ["m1"] });
    await set({ resources: { ntasks: 10 } });
    expect((await jf.job("1")).resources).toEqual({ ntasks: 10 });
    await set({ resources: { nodes: 10 } });
    expect((await jf.job("1")).resources).toEqual({ ntasks: 10, nodes: 10 });
    await set({ resources: { ntasks: 20 }, update: false });
    expect((await jf.job("1")).resources).toEqual({ ntasks: 20 });
    const qresources = { "@module": "qtoolkit.core.data_objects", "@class": "QResources", nodes: 2 };
    await set({ resources: qresources });
    expect((await jf.job("1")).resources).toEqual(qresources);
    await set({ priority: 10 });
    expect((await jf.job("1")).priority).toBe(10);
    expect((await set({})).data?.["setJobRunProperties"]?.dbIds).toEqual(["1"]);
    expect((await jf.job("1")).priority).toBe(10);
    const bad = await jf.gw.gql(`mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid } }`, {
      flow: { name: "x", worker: "nope", jobs: [{ name: "a" }] },
    });
    expect(errorOf(bad).code).toBe("BAD_USER_INPUT");
  });
});
