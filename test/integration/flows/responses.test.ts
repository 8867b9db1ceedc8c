/**
 * Dynamic responses as jobflow-remote applies them (docs/flows-and-jobs.md, the runner and "Parents twice"):
 * replace/addition/detour as lists of jobs with their own parents, in upstream's order, flow
 * updatedOn per part, stop_children/stop_jobflow, the lease released on completion, exact outputs, and the
 * flow-level parents a detour leaves alone (rerun and deletion) — on SQLite and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { addDocFlow, checkoutNext, completeWith, flowRows, jobDoc, ref, type RowView, uid } from "./documents";
import { DEFAULT_JOBFLOW } from "../../../src/config";
import { startTestGateway } from "../../support/gateway";
import { byIds, byJob, errorOf, JobflowDriver, sleep } from "./support";

describe.each(DIALECTS)("dynamic responses on %s", (dialect) => {
  let jf: JobflowDriver;
  beforeAll(async () => {
    jf = await JobflowDriver.start(dialect);
  });
  afterAll(() => jf?.close());

  /** A flow of documents: each job named by a key, `refs` its argument references (and parents). */
  async function docFlow<K extends string>(jobs: Record<K, NoInfer<K>[]>) {
    const uuids = Object.fromEntries(Object.keys(jobs).map((key) => [key, uid(key)])) as Record<K, string>;
    const flow = await addDocFlow(jf, (f) =>
      (Object.entries(jobs) as [K, K[]][]).map(([key, refs]) => ({
        documentJson: jobDoc({
          uuid: uuids[key],
          name: key,
          hosts: [f],
          args: `[${refs.map((parent) => ref(uuids[parent], ["i", "x"])).join(", ")}]`,
        }),
      })),
    );
    return { ...flow, uuids };
  }

  /** A job a response creates: hosted by the response's own (sub-)flow inside the stored flow. */
  const dynamic = (flowUuid: string, uuid: string, spec: { index?: number; args?: string; name?: string } = {}) =>
    jobDoc({ uuid, hosts: [uid("part"), flowUuid], name: spec.name ?? uuid.split("-")[0], ...spec });

  const rowsByName = async (flowUuid: string) =>
    Object.fromEntries((await flowRows(jf, flowUuid)).map((row) => [`${row.name}@${row.index}`, row]));

  /** Checks out the next job of the flow, and says which. */
  async function next(flowUuid: string): Promise<RowView> {
    const picked = await checkoutNext(jf, flowUuid);
    if (!picked) throw new Error(`nothing READY in ${flowUuid}`);
    return picked;
  }

  const flowUpdatedOn = async (uuid: string) => (await jf.flow(uuid)).updatedOn;

  it("multi-job replace: x inherits the parents, y waits for x, the store_inputs job at index 2 for y, the child for it", async () => {
    const f = await docFlow({ p: [], r: ["p"], c: ["r"] });
    const { p, r } = f.uuids;
    await completeWith(jf, (await next(f.uuid)).dbId, { outputJson: `{"x": 9}` });
    const running = await next(f.uuid);
    expect(running.uuid).toBe(r);
    const [x, y] = [uid("x"), uid("y")];
    const storeInputs = dynamic(f.uuid, r, { index: 2, name: "store_inputs", args: `[${ref(y)}]` });
    await completeWith(jf, running.dbId, {
      outputJson: `{"@module":"jobflow.core.reference","@class":"OutputReference","uuid":"${y}"}`,
      replace: [
        { documentJson: dynamic(f.uuid, x, { args: `[${ref(p, ["i", "x"])}, 1]` }), parents: [] },
        { documentJson: dynamic(f.uuid, y, { args: `[${ref(x, ["i", "x"])}, 100]` }), parents: [x] },
        { documentJson: storeInputs, parents: [y] },
      ],
    });
    const rows = await flowRows(jf, f.uuid);
    expect(rows.map((row) => [row.name, row.index, row.state, row.parentUuids])).toEqual([
      ["p", 1, "COMPLETED", []],
      ["r", 1, "COMPLETED", [p]],
      ["c", 1, "WAITING", [r]],
      ["x", 1, "READY", [p]],
      ["y", 1, "WAITING", [x]],
      ["store_inputs", 2, "WAITING", [y]],
    ]);
    // db ids continue in the response's list order.
    const seqs = rows.map((row) => Number(row.dbId));
    expect(seqs.slice(3)).toEqual([seqs[2]! + 1, seqs[2]! + 2, seqs[2]! + 3]);
    // Checkout follows the graph: x, y, r@2, and only then c.
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const picked = await next(f.uuid);
      order.push(`${picked.name}@${picked.index}`);
      await completeWith(jf, picked.dbId, { outputJson: "{}" });
    }
    expect(order).toEqual(["x@1", "y@1", "store_inputs@2", "c@1"]);
    expect((await jf.flow(f.uuid)).state).toBe("COMPLETED");
    const stored = await jf.gw.ok<{ job: { documentJson: string } }>(
      `query($u: String) { job(uuid: $u, index: 2) { documentJson } }`,
      { u: r },
    );
    expect(stored.job.documentJson).toBe(storeInputs);
  });

  it("a single replacing document: same uuid, index 2, the replaced job's parents", async () => {
    const f = await docFlow({ p: [], r: ["p"], c: ["r"] });
    const { p, r } = f.uuids;
    await completeWith(jf, (await next(f.uuid)).dbId, { outputJson: "1" });
    await completeWith(jf, (await next(f.uuid)).dbId, {
      replace: [{ documentJson: dynamic(f.uuid, r, { index: 2, name: "r" }) }],
    });
    const rows = await rowsByName(f.uuid);
    expect(rows["r@2"]).toMatchObject({ state: "READY", parentUuids: [p], flowParentUuids: [p] });
    expect(rows["c@1"]?.state).toBe("WAITING");
    expect((await jf.flow(f.uuid)).parents[r]).toEqual({ "1": [p], "2": [p] });
  });

  it("refuses a response it cannot apply, changes nothing and leaves the job running", async () => {
    const f = await docFlow({ p: [], r: ["p"] });
    const { p, r } = f.uuids;
    const running = await next(f.uuid);
    const before = await flowRows(jf, f.uuid);
    const updatedOn = await flowUpdatedOn(f.uuid);
    const part = (uuid: string, index = 1) => ({ documentJson: dynamic(f.uuid, uuid, { index }) });
    const cases: [string, Record<string, unknown>, string, string][] = [
      ["the replacing job at a wrong index", { replace: [part(p, 3)] }, "response.replace", `at index 2`],
      ["two jobs with the completed uuid", { replace: [part(p, 2), part(p, 3)] }, "response.replace", "only entry"],
      ["an addition reusing a uuid", { addition: [part(r)] }, "response.addition", `job ${r} exists already`],
      ["an addition reusing the completed uuid", { addition: [part(p, 2)] }, "response.addition", "only a replace"],
      [
        "a parent outside the part",
        { addition: [{ ...part(uid("n")), parents: [r] }] },
        "response.addition",
        "not a job of this response part",
      ],
      [
        "hosts of another flow",
        { detour: [{ documentJson: jobDoc({ uuid: uid("d"), hosts: ["other"] }) }] },
        "response.detour[0].documentJson",
        "must end with the flow's uuid",
      ],
      [
        "the same new job twice",
        { addition: [part("twice"), part("twice")] },
        "response.addition",
        "repeats job twice index 1",
      ],
      [
        "the same new job in two parts",
        { addition: [part("dup")], detour: [part("dup")] },
        "response.detour",
        "job dup index 1 is given twice",
      ],
      [
        "old-form jobs replacing one job",
        { replace: [{ name: "a" }, { name: "b" }] },
        "response.replace",
        "needs documentJson",
      ],
      ["output and outputJson", { output: 1, outputJson: "1" }, "response.output", "not both"],
      ["an output that is not JSON", { outputJson: "{x" }, "response.outputJson", "is not JSON text"],
      ["a mix of forms", { addition: [part(uid("m")), { name: "old" }] }, "response.addition", "a mix of jobs"],
    ];
    for (const [what, response, argument, message] of cases) {
      const error = errorOf(await jf.complete(running.dbId, true, { response }));
      expect({ what, code: error.code, argument: error.extensions["argument"] }).toEqual({
        what,
        code: "BAD_USER_INPUT",
        argument,
      });
      expect(error.message, what).toContain(message);
      expect(await flowRows(jf, f.uuid), what).toEqual(before);
      expect(await flowUpdatedOn(f.uuid), what).toBe(updatedOn);
    }
    expect((await jf.job(running.dbId)).state).toBe("CHECKED_OUT");
    await completeWith(jf, running.dbId, { outputJson: "1" });
    expect((await jf.job(running.dbId)).state).toBe("COMPLETED");
  });

  it("refuses a response that adds more jobs than HUBQL_MAX_BATCH_SIZE, as addFlow does", async () => {
    const small = new JobflowDriver(await startTestGateway(dialect, { maxBatchSize: 2 }, { jobflow: DEFAULT_JOBFLOW }));
    try {
      const f = await small.addFlow("f", [{ name: "a" }]);
      await small.checkout(f.dbIds["a"] as string);
      const three = [{ name: "x" }, { name: "y" }, { name: "z" }];
      const error = errorOf(
        await small.complete("1", true, { response: { addition: three.slice(0, 2), detour: three.slice(2) } }),
      );
      expect(error).toMatchObject({ code: "LIMIT_EXCEEDED", extensions: { maximum: 2 } });
      expect((await small.job("1")).state).toBe("CHECKED_OUT");
    } finally {
      await small.close();
    }
  });

  it("addition: roots wait for the completed job, a job with parents in the part does not", async () => {
    const f = await docFlow({ a: [] });
    const { a } = f.uuids;
    const [x, y] = [uid("x"), uid("y")];
    await completeWith(jf, (await next(f.uuid)).dbId, {
      outputJson: "1",
      addition: [
        { documentJson: dynamic(f.uuid, x, { name: "x" }) },
        { documentJson: dynamic(f.uuid, y, { name: "y", args: `[${ref(x)}]` }), parents: [x] },
      ],
    });
    const rows = await rowsByName(f.uuid);
    expect(rows["x@1"]).toMatchObject({ state: "READY", parentUuids: [a] });
    expect(rows["y@1"]).toMatchObject({ state: "WAITING", parentUuids: [x] });
  });

  it("detour: the waiting jobs gain the leaves at job level only; rerun walks the flow-level parents", async () => {
    const f = await docFlow({ a: [], c: ["a"] });
    const { a, c } = f.uuids;
    const [d1, d2] = [uid("d1"), uid("d2")];
    const parentsBefore = (await jf.flow(f.uuid)).parents;
    await completeWith(jf, (await next(f.uuid)).dbId, {
      outputJson: `{"x": 2}`,
      detour: [
        { documentJson: dynamic(f.uuid, d1, { name: "d1" }) },
        { documentJson: dynamic(f.uuid, d2, { name: "d2", args: `[${ref(d1)}]` }), parents: [d1] },
      ],
    });
    let rows = await rowsByName(f.uuid);
    expect(rows["c@1"]).toMatchObject({ state: "WAITING", parentUuids: [a, d2], flowParentUuids: [a] });
    expect(rows["d1@1"]).toMatchObject({ state: "READY", parentUuids: [a], flowParentUuids: [a] });
    expect((await jf.flow(f.uuid)).parents).toEqual({ ...parentsBefore, [d1]: { "1": [a] }, [d2]: { "1": [d1] } });
    // c runs only after the detour's leaf.
    expect((await next(f.uuid)).uuid).toBe(d1);
    await completeWith(jf, rows["d1@1"]!.dbId, { outputJson: "1" });
    expect((await next(f.uuid)).uuid).toBe(d2);
    await completeWith(jf, rows["d2@1"]!.dbId, { outputJson: "1" });
    expect((await next(f.uuid)).uuid).toBe(c);
    await completeWith(jf, rows["c@1"]!.dbId, { outputJson: "1" });
    // Upstream's _full_rerun walks FlowDoc.children: the leaf has none there, so c stays COMPLETED.
    expect(await jf.ok("rerunJobs", { ...byJob(d2), force: true })).toEqual([rows["d2@1"]!.dbId]);
    expect((await jf.job(rows["c@1"]!.dbId)).state).toBe("COMPLETED");
    await completeWith(jf, (await next(f.uuid)).dbId, { outputJson: "1" });
    // From d1: d2 only (the job-level list would have reached c through d2).
    expect(await jf.ok("rerunJobs", { ...byJob(d1), force: true })).toEqual(
      [rows["d1@1"]!.dbId, rows["d2@1"]!.dbId].sort((m, n) => Number(m) - Number(n)),
    );
    rows = await rowsByName(f.uuid);
    expect([rows["d2@1"]?.state, rows["c@1"]?.state]).toEqual(["WAITING", "COMPLETED"]);
    await completeWith(jf, (await next(f.uuid)).dbId, { outputJson: "1" });
    await completeWith(jf, (await next(f.uuid)).dbId, { outputJson: "1" });
    // From a: its flow-level descendants, d1 → d2 and c.
    const reset = await jf.ok("rerunJobs", { ...byJob(a), force: true });
    expect(reset).toEqual(["a@1", "c@1", "d1@1", "d2@1"].map((key) => rows[key]!.dbId));
    rows = await rowsByName(f.uuid);
    expect(["a@1", "c@1", "d1@1", "d2@1"].map((key) => rows[key]?.state)).toEqual([
      "READY",
      "WAITING",
      "WAITING",
      "WAITING",
    ]);
  });

  it("replace, addition and detour in one response: applied in that order, addition roots wait for the detour", async () => {
    const f = await docFlow({ a: [], c: ["a"] });
    const { a } = f.uuids;
    const [x, d] = [uid("x"), uid("d")];
    await completeWith(jf, (await next(f.uuid)).dbId, {
      detour: [{ documentJson: dynamic(f.uuid, d, { name: "d" }) }],
      addition: [{ documentJson: dynamic(f.uuid, x, { name: "x" }) }],
      replace: [{ documentJson: dynamic(f.uuid, a, { index: 2, name: "a" }) }],
    });
    const rows = await flowRows(jf, f.uuid);
    expect(rows.map((row) => [row.name, row.index, row.state, row.parentUuids, row.flowParentUuids])).toEqual([
      ["a", 1, "COMPLETED", [], []],
      ["c", 1, "WAITING", [a, d], [a]],
      ["a", 2, "READY", [], []],
      ["x", 1, "WAITING", [a, d], [a]],
      ["d", 1, "WAITING", [a], [a]],
    ]);
  });

  it("stopChildren stops the waiting children, addition roots included; stopJobflow every waiting job", async () => {
    const f = await docFlow({ a: [], c: ["a"], s: [] });
    const x = uid("x");
    await completeWith(jf, (await next(f.uuid)).dbId, {
      addition: [{ documentJson: dynamic(f.uuid, x, { name: "x" }) }],
      stopChildren: true,
    });
    let rows = await rowsByName(f.uuid);
    expect([rows["c@1"]?.state, rows["x@1"]?.state, rows["s@1"]?.state]).toEqual(["STOPPED", "STOPPED", "READY"]);
    const g = await docFlow({ a: [], b: ["a"], c: ["b"], s: [] });
    await completeWith(jf, (await next(g.uuid)).dbId, { stopJobflow: true });
    rows = await rowsByName(g.uuid);
    expect(["b@1", "c@1", "s@1"].map((key) => rows[key]?.state)).toEqual(["STOPPED", "STOPPED", "READY"]);
  });

  it("bumps the flow's updatedOn for each applied part even when its state stays, not for stopChildren alone", async () => {
    const f = await docFlow({ a: [], b: ["a"], s: [], t: [], u: [] });
    await completeWith(jf, (await next(f.uuid)).dbId, { outputJson: "1" });
    expect((await jf.flow(f.uuid)).state).toBe("RUNNING");
    let before = await flowUpdatedOn(f.uuid);
    await sleep(15);
    await completeWith(jf, (await next(f.uuid)).dbId, {
      outputJson: "1",
      addition: [{ documentJson: dynamic(f.uuid, uid("x"), { name: "x" }) }],
    });
    expect((await jf.flow(f.uuid)).state).toBe("RUNNING");
    expect(await flowUpdatedOn(f.uuid)).not.toBe(before);
    before = await flowUpdatedOn(f.uuid);
    await sleep(15);
    await completeWith(jf, (await next(f.uuid)).dbId, { outputJson: "1", stopChildren: true });
    expect((await jf.flow(f.uuid)).state).toBe("RUNNING");
    expect(await flowUpdatedOn(f.uuid)).toBe(before);
    // An empty part is applied like jobflow-remote applies an empty Flow: nothing added, updatedOn bumped.
    const rows = (await flowRows(jf, f.uuid)).length;
    await sleep(15);
    await completeWith(jf, (await next(f.uuid)).dbId, { outputJson: "1", detour: [] });
    expect((await flowRows(jf, f.uuid)).length).toBe(rows);
    expect(await flowUpdatedOn(f.uuid)).not.toBe(before);
  });

  it("releases the completing caller's lease in the same statement", async () => {
    const f = await docFlow({ a: [] });
    const picked = await jf.gw.ok<{ checkoutJob: { dbId: string; lockId: string } }>(
      `mutation($f: String) { checkoutJob(flowUuid: $f, holder: "w1", ttlSeconds: 60) { dbId lockId } }`,
      { f: f.uuid },
    );
    const { dbId, lockId } = picked.checkoutJob;
    expect(errorOf(await jf.complete(dbId, true, { lockId: "someone-else" })).code).toBe("LOCKED");
    const done = (await jf.complete(dbId, true, { lockId, response: { outputJson: "1" } })).data?.completeJob;
    expect(done).toMatchObject({ state: "COMPLETED", lockId: null, isLocked: false });
    expect(await jf.job(dbId)).toMatchObject({ lockId: null, lockHolder: null, isLocked: false });
    expect(await jf.release(lockId)).toBe(false);
  });

  it("stores the output as exact text; output is its parsed view; FAILED jobs have none", async () => {
    const f = await docFlow({ a: [], b: [], c: [] });
    const text = `{"x": 7.0, "big": 1152921504606846977, "e": 1e+16, "s": "日本 ✓", "r": ${ref("u", ["a", "y"])}}`;
    const [a, b, c] = [await next(f.uuid), await next(f.uuid), await next(f.uuid)];
    await completeWith(jf, a.dbId, { outputJson: text });
    await completeWith(jf, b.dbId, { output: { x: 7.5, list: [1, "two"] } });
    expect((await jf.complete(c.dbId, false, { error: "boom", response: { outputJson: "1" } })).errors).toBeUndefined();
    const read = await jf.gw.ok<{ jobs: { edges: { node: { uuid: string; outputJson: string; output: unknown } }[] } }>(
      `query($f: Filter) { jobs(filter: $f) { edges { node { uuid outputJson output } } } }`,
      { f: { uuid: { $in: [a.uuid, b.uuid, c.uuid] }, state: "COMPLETED" } },
    );
    expect(read.jobs.edges.map((edge) => edge.node)).toEqual([
      { uuid: a.uuid, outputJson: text, output: JSON.parse(text) },
      { uuid: b.uuid, outputJson: `{"x":7.5,"list":[1,"two"]}`, output: { x: 7.5, list: [1, "two"] } },
    ]);
    expect(await jf.job(c.dbId)).toMatchObject({ state: "FAILED", output: null, error: "boom" });
    // A loader-read job (job(dbId)) reads the text on its own.
    const single = await jf.gw.ok<{ job: { outputJson: string } }>(
      `query($id: String) { job(dbId: $id) { outputJson } }`,
      {
        id: a.dbId,
      },
    );
    expect(single.job.outputJson).toBe(text);
  });

  it("a rerun job keeps its output in the row, but is no longer a stored output (only COMPLETED rows are)", async () => {
    const f = await docFlow({ a: [] });
    const a = await next(f.uuid);
    await completeWith(jf, a.dbId, { outputJson: `{"x": 1.0}` });
    const stored = `query($u: String!) { jobs(filter: { uuid: $u, state: "COMPLETED" }) { edges { node { outputJson } } } }`;
    expect((await jf.gw.ok<{ jobs: { edges: unknown[] } }>(stored, { u: a.uuid })).jobs.edges).toHaveLength(1);
    await jf.ok("rerunJobs", { ...byIds(a.dbId), force: true });
    expect((await jf.gw.ok<{ jobs: { edges: unknown[] } }>(stored, { u: a.uuid })).jobs.edges).toHaveLength(0);
    const row = await jf.gw.ok<{ job: { state: string; outputJson: string } }>(
      `query($id: String) { job(dbId: $id) { state outputJson } }`,
      { id: a.dbId },
    );
    expect(row.job).toEqual({ state: "READY", outputJson: `{"x": 1.0}` });
  });

  it("deleting a detour job's last index removes its uuid from both parent lists", async () => {
    const f = await docFlow({ a: [], c: ["a"] });
    const { a } = f.uuids;
    const [d1, d2] = [uid("d1"), uid("d2")];
    await completeWith(jf, (await next(f.uuid)).dbId, {
      detour: [
        { documentJson: dynamic(f.uuid, d1, { name: "d1" }) },
        { documentJson: dynamic(f.uuid, d2, { name: "d2" }), parents: [d1] },
      ],
    });
    await jf.ok("deleteJobs", byJob(d1));
    let rows = await rowsByName(f.uuid);
    expect(rows["d2@1"]).toMatchObject({ parentUuids: [], flowParentUuids: [] });
    await jf.ok("deleteJobs", byJob(d2));
    rows = await rowsByName(f.uuid);
    expect(rows["c@1"]).toMatchObject({ parentUuids: [a], flowParentUuids: [a] });
    expect(Object.keys((await jf.flow(f.uuid)).parents).sort()).toEqual(Object.values(f.uuids).sort());
  });
});
