import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { countStatements, startTestGateway, type TestGateway } from "../../support/gateway";
import {
  CANCEL_JOBS,
  CLAIM,
  createJobs,
  createType,
  drainQueue,
  type EntryNode,
  INPUT,
  job,
  type OperationResult,
  QUEUE,
  queueEntries,
  queueJobs,
  requeueJobs,
  STATUS,
  UPDATE_TYPE,
} from "./queue-fixtures";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DIALECTS)("Scale queue on %s", (dialect) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
  });
  afterAll(() => gw?.close());
  beforeEach(() => drainQueue(gw));

  describe("queue order (§3.1)", () => {
    it("scenario 5: equal priority — FIFO oldest first, LIFO newest first", async () => {
      const type = await createType(gw);
      const [a, b] = await createJobs(gw, [
        { jobTypeId: type, input: INPUT },
        { jobTypeId: type, input: INPUT },
      ]);
      await queueJobs(gw, [{ jobId: a! }]);
      await sleep(5);
      await queueJobs(gw, [{ jobId: b! }]);
      expect((await queueEntries(gw, { orderMode: "FIFO" })).map((e) => e.jobId)).toEqual([a, b]);
      expect((await queueEntries(gw, { orderMode: "LIFO" })).map((e) => e.jobId)).toEqual([b, a]);
    });

    it("scenario 6: a better priority queued later comes first in both modes", async () => {
      const type = await createType(gw);
      const [low, high] = await createJobs(gw, [
        { jobTypeId: type, input: INPUT },
        { jobTypeId: type, input: INPUT },
      ]);
      await queueJobs(gw, [{ jobId: low! }], 100);
      await sleep(5);
      await queueJobs(gw, [{ jobId: high! }], 50);
      for (const orderMode of ["FIFO", "LIFO"]) {
        expect((await queueEntries(gw, { orderMode })).map((e) => e.jobId)).toEqual([high, low]);
      }
    });

    it("breaks ties of priority and queued time by id (ascending FIFO, descending LIFO), page by page", async () => {
      const type = await createType(gw);
      const ids = await createJobs(
        gw,
        Array.from({ length: 7 }, () => ({ jobTypeId: type, input: INPUT })),
      );
      await queueJobs(
        gw,
        ids.slice(0, 5).map((jobId) => ({ jobId })),
        7,
      ); // five entries sharing priority and time
      await sleep(5);
      await queueJobs(
        gw,
        ids.slice(5).map((jobId) => ({ jobId })),
        7,
      );
      const all = await queueEntries(gw);
      expect(new Set(all.map((e) => e.queued)).size).toBe(2);
      expect(all.map((e) => e.jobId)).toEqual(ids);
      const lifo = await queueEntries(gw, { orderMode: "LIFO" });
      expect(lifo.map((e) => e.jobId)).toEqual([...ids.slice(5).reverse(), ...ids.slice(0, 5).reverse()]);
      // The service reads the mode in any letter case (Scale stored "lifo" raw and then sorted by priority only).
      const lower = await gw.services.queue.entries.list({ orderMode: "lifo", first: 100 });
      expect(lower.edges.map((edge) => edge.node.jobId)).toEqual(lifo.map((e) => e.jobId));
      expect((await gw.gql(QUEUE, { orderMode: "lifo" })).errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      await expect(gw.services.queue.entries.list({ orderMode: "random" })).rejects.toMatchObject({
        extensions: { code: "BAD_USER_INPUT", argument: "orderMode" },
      });
      for (const orderMode of ["FIFO", "LIFO"]) {
        const pages: number[] = [];
        let after: string | null = null;
        for (;;) {
          const data: {
            queue: { edges: { node: EntryNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
          } = await gw.ok(QUEUE, { orderMode, first: 2, after });
          pages.push(...data.queue.edges.map((edge) => edge.node.jobId));
          if (!data.queue.pageInfo.hasNextPage) break;
          after = data.queue.pageInfo.endCursor;
        }
        expect(pages).toEqual((orderMode === "FIFO" ? all : lifo).map((e) => e.jobId));
      }
    });

    it("scenario 7: ignored job types are left out, canceled entries of theirs too; the filter narrows further", async () => {
      const one = await createType(gw);
      const two = await createType(gw);
      const [a, b, c] = await createJobs(gw, [
        { jobTypeId: one, input: INPUT },
        { jobTypeId: one, input: INPUT },
        { jobTypeId: two, input: INPUT },
      ]);
      await queueJobs(gw, [{ jobId: a! }, { jobId: b! }, { jobId: c! }]);
      await gw.ok(CANCEL_JOBS, { jobs: [{ jobId: a }] });
      const all = await queueEntries(gw);
      expect(all.map((e) => [e.jobId, e.isCanceled])).toEqual([
        [a, true],
        [b, false],
        [c, false],
      ]);
      expect((await queueEntries(gw, { ignore: [one] })).map((e) => e.jobTypeId)).toEqual([two]);
      const filtered = await queueEntries(gw, { filter: { isCanceled: false, jobTypeId: one } });
      expect(filtered.map((e) => e.jobId)).toEqual([b]);
      const data = await gw.ok<{ queue: { totalCount: number } }>(QUEUE, { filter: { is_canceled: true } });
      expect(data.queue.totalCount).toBe(1);
      const operators = await queueEntries(gw, {
        filter: { $or: [{ jobId: { $in: [a, c] } }, { exeNum: { $gt: 1 } }] },
      });
      expect(operators.map((e) => e.jobId)).toEqual([a, c]);
    });

    it("rejects an unknown filter field and a foreign cursor with BAD_USER_INPUT", async () => {
      const bad = await gw.gql(QUEUE, { filter: { nope: 1 } });
      expect(bad.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      const cursor = await gw.gql(QUEUE, { after: "bm9wZQ" });
      expect(cursor.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    });

    it("reads a page with its jobs and job types in a bounded number of statements", async () => {
      const types = [await createType(gw), await createType(gw), await createType(gw)];
      const ids = await createJobs(
        gw,
        Array.from({ length: 12 }, (_, i) => ({ jobTypeId: types[i % 3]!, input: INPUT })),
      );
      await queueJobs(
        gw,
        ids.map((jobId) => ({ jobId })),
      );
      const { result, statements } = await countStatements(gw.services, () =>
        gw.ok<{ queue: { edges: { node: { job: { id: number }; jobType: { name: string } } }[] } }>(
          `{ queue(first: 50) { edges { node { id job { id status jobType { id } } jobType { name } } } } }`,
        ),
      );
      expect(result.queue.edges).toHaveLength(12);
      expect(statements.length).toBeLessThanOrEqual(3);
    });
  });

  describe("queueJobs — first queue (§3.3)", () => {
    it("queues many jobs with a number of statements that does not grow with them", async () => {
      const type = await createType(gw);
      const small = await createJobs(
        gw,
        [1, 2].map(() => ({ jobTypeId: type, input: INPUT })),
      );
      const large = await createJobs(
        gw,
        Array.from({ length: 60 }, () => ({ jobTypeId: type, input: INPUT })),
      );
      const run = (ids: number[]) =>
        countStatements(gw.services, () =>
          gw.services.queue.operations.queueJobs(
            ids.map((jobId) => ({ jobId })),
            null,
          ),
        );
      const few = await run(small);
      const many = await run(large);
      expect(many.result.outcomes.every((o) => o.action === "QUEUED")).toBe(true);
      expect(many.statements.length).toBe(few.statements.length);
    });

    it("scenario 14: PENDING with input is queued; stale, COMPLETED and CANCELED jobs are skipped with reasons", async () => {
      const type = await createType(gw);
      const [pending, failed, completed, canceled] = await createJobs(gw, [
        { jobTypeId: type, status: "PENDING", input: INPUT },
        { jobTypeId: type, status: "FAILED", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "COMPLETED", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "CANCELED", input: INPUT },
      ]);
      const result = await queueJobs(
        gw,
        [
          { jobId: pending!, exeNum: 0 },
          { jobId: failed!, exeNum: 0 },
          { jobId: completed!, exeNum: 1 },
          { jobId: canceled!, exeNum: 0 },
          { jobId: 999999 },
        ],
        1,
      );
      expect(result.outcomes.map((o) => [o.jobId, o.action, o.reason])).toEqual([
        [pending, "QUEUED", null],
        [failed, "SKIPPED", "STALE_EXE_NUM"],
        [completed, "SKIPPED", "NOT_ELIGIBLE_STATUS"],
        [canceled, "SKIPPED", "NOT_ELIGIBLE_STATUS"],
        [999999, "SKIPPED", "NOT_FOUND"],
      ]);
      expect(result.outcomes[0]).toMatchObject({ exeNum: 1, priority: 1, job: { status: "QUEUED", numExes: 1 } });
      expect(result.outcomes[4]!.job).toBeNull();
      expect(await job(gw, failed!)).toMatchObject({ status: "FAILED", numExes: 1 });
      const entries = await queueEntries(gw);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ jobId: pending, priority: 1, exeNum: 1, isCanceled: false });
      // The same message again: the execution count has moved on, so it is stale and nothing changes (idempotent).
      const again = await queueJobs(gw, [{ jobId: pending!, exeNum: 0 }], 1);
      expect(again.outcomes[0]).toMatchObject({ action: "SKIPPED", reason: "STALE_EXE_NUM" });
      expect(await queueEntries(gw)).toHaveLength(1);
    });

    it("reports NO_INPUT, SUPERSEDED and ALREADY_QUEUED; dryRun writes nothing", async () => {
      const type = await createType(gw);
      const [noInput, superseded, ran, ok] = await createJobs(gw, [
        { jobTypeId: type },
        { jobTypeId: type, input: INPUT, isSuperseded: true },
        { jobTypeId: type, status: "BLOCKED", input: INPUT, numExes: 1 },
        { jobTypeId: type, status: "BLOCKED", input: INPUT },
      ]);
      const data = await gw.ok<{ queueJobs: OperationResult }>(
        `mutation($jobs: [ScaleJobReference!]!) { queueJobs(jobs: $jobs, dryRun: true) { dryRun queuedCount skippedCount outcomes { jobId action reason exeNum priority } } }`,
        { jobs: [noInput, superseded, ran, ok].map((jobId) => ({ jobId })) },
      );
      expect(data.queueJobs).toMatchObject({ dryRun: true, queuedCount: 1, skippedCount: 3 });
      expect(data.queueJobs.outcomes.map((o) => o.reason)).toEqual(["NO_INPUT", "SUPERSEDED", "ALREADY_QUEUED", null]);
      expect(data.queueJobs.outcomes[3]).toMatchObject({ action: "QUEUED", exeNum: 1, priority: 100 });
      expect(await job(gw, ok!)).toMatchObject({ status: "BLOCKED", numExes: 0 });
      expect(await queueEntries(gw)).toHaveLength(0);
    });

    it("scenario 23 and §3.3 step 5: priority argument, else batch, else job configuration, else type, else 100", async () => {
      const configured = await createType(gw, { configuration: { priority: 40 } });
      const plain = await createType(gw);
      const [batch, own, typed, fallback, given] = await createJobs(gw, [
        { jobTypeId: configured, input: INPUT, batchId: 9, batchPriority: 5, configuration: { priority: 20 } },
        { jobTypeId: configured, input: INPUT, configuration: { priority: 20 } },
        { jobTypeId: configured, input: INPUT },
        { jobTypeId: plain, input: INPUT },
        { jobTypeId: plain, input: INPUT },
      ]);
      const zero = await queueJobs(
        gw,
        [batch, own, typed, fallback].map((jobId) => ({ jobId: jobId! })),
        0,
      );
      expect(zero.outcomes.map((o) => o.priority)).toEqual([5, 20, 40, 100]);
      const explicit = await queueJobs(gw, [{ jobId: given! }], 3);
      expect(explicit.outcomes[0]!.priority).toBe(3);
      const bad = await gw.gql(`mutation { queueJobs(jobs: [{jobId: 1}], priority: -1) { dryRun } }`);
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "priority" });
    });

    it("§1.1: the entry snapshots the type's manifest, image and timeout and scales resources by input size", async () => {
      const type = await createType(gw, {
        manifest: { job: { title: "Shiny", timeout: 600 } },
        dockerImage: "img:1",
        resources: [
          { name: "cpus", value: 1 },
          { name: "mem", value: 64, inputMultiplier: 2 },
          { name: "sharedmem", value: 10 },
        ],
      });
      const [id] = await createJobs(gw, [
        { jobTypeId: type, input: INPUT, inputFileSize: 100, recipeId: 4, batchId: 8 },
      ]);
      await queueJobs(gw, [{ jobId: id! }]);
      const data = await gw.ok<{ queue: { edges: { node: Record<string, unknown> }[] } }>(
        `{ queue { edges { node { jobId recipeId batchId inputFileSize timeout interface resources dockerImage configuration created queued jobType { title timeout } } } } }`,
      );
      const node = data.queue.edges[0]!.node;
      expect(node).toMatchObject({
        jobId: id,
        recipeId: 4,
        batchId: 8,
        inputFileSize: 100,
        timeout: 600,
        interface: { job: { title: "Shiny", timeout: 600 } },
        resources: { cpus: 1, mem: 264, disk: 100 },
        dockerImage: "img:1",
        configuration: { priority: 100 },
        jobType: { title: "Shiny", timeout: 600 },
      });
      expect(node["created"]).toBe(node["queued"]);
    });

    it("scenario 8: createScaleJobs(queue: true) returns QUEUED jobs; an inactive type is INVALID_STATE", async () => {
      const type = await createType(gw);
      const [id] = await createJobs(gw, [{ jobTypeId: type, input: INPUT }], true);
      expect(await job(gw, id!)).toMatchObject({ status: "QUEUED", numExes: 1, maxTries: 3 });
      expect((await queueEntries(gw)).map((e) => e.jobId)).toEqual([id]);
      const inactive = await createType(gw, { isActive: false });
      const refused = await gw.gql(
        `mutation($t: Int!) { createScaleJobs(jobs: [{jobTypeId: $t, input: {a: 1}}], queue: true) { id } }`,
        { t: inactive },
      );
      expect(refused.errors?.[0]?.extensions?.["code"]).toBe("INVALID_STATE");
    });
  });

  describe("requeueJobs (§3.4)", () => {
    it("scenario 15: requeueable jobs are queued again with num_exes + 1; old entries flagged; re-running changes nothing", async () => {
      const type = await createType(gw);
      const [pending, failed, running, canceled, queued, completed, stale, noInput] = await createJobs(gw, [
        { jobTypeId: type, status: "PENDING", input: INPUT },
        { jobTypeId: type, status: "FAILED", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "RUNNING", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "CANCELED", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "PENDING", input: INPUT },
        { jobTypeId: type, status: "COMPLETED", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "RUNNING", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "CANCELED", numExes: 1 },
      ]);
      await queueJobs(gw, [{ jobId: queued! }]); // QUEUED with exe 1 and one live entry
      const jobs = [
        { jobId: pending!, exeNum: 0 },
        { jobId: failed!, exeNum: 1 },
        { jobId: running!, exeNum: 1 },
        { jobId: canceled!, exeNum: 1 },
        { jobId: queued!, exeNum: 1 },
        { jobId: completed!, exeNum: 1 },
        { jobId: stale!, exeNum: 0 },
        { jobId: noInput!, exeNum: 1 },
      ];
      const result = await requeueJobs(gw, { jobs, priority: 101 });
      expect(result.outcomes.map((o) => [o.action, o.reason])).toEqual([
        ["SKIPPED", "NEVER_QUEUED"],
        ["QUEUED", null],
        ["QUEUED", null],
        ["QUEUED", null],
        ["QUEUED", null],
        ["SKIPPED", "NOT_ELIGIBLE_STATUS"],
        ["SKIPPED", "STALE_EXE_NUM"],
        ["SKIPPED", "NO_INPUT"],
      ]);
      for (const id of [failed, running, canceled, queued])
        expect(await job(gw, id!)).toMatchObject({ status: "QUEUED", numExes: 2 });
      expect(await job(gw, pending!)).toMatchObject({ status: "PENDING", numExes: 0 });
      const entries = await queueEntries(gw);
      expect(
        entries
          .filter((e) => !e.isCanceled)
          .map((e) => e.jobId)
          .sort(),
      ).toEqual([failed, running, canceled, queued].sort());
      expect(entries.filter((e) => e.isCanceled).map((e) => [e.jobId, e.exeNum])).toEqual([[queued, 1]]);
      expect(entries.find((e) => e.jobId === failed)).toMatchObject({ priority: 101, exeNum: 2 });
      const again = await requeueJobs(gw, { jobs, priority: 101 });
      expect(again.queuedCount).toBe(0);
      expect(await queueEntries(gw)).toHaveLength(entries.length);
    });

    it("scenario 16: max_tries becomes num_exes + the type's max_tries; stale calls leave it; CANCELED never-run jobs are uncanceled", async () => {
      const type = await createType(gw, { maxTries: 3 });
      const [failed, staleFailed, completed, pending, canceledNoInput] = await createJobs(gw, [
        { jobTypeId: type, status: "FAILED", numExes: 3, input: INPUT },
        { jobTypeId: type, status: "FAILED", numExes: 3, input: INPUT },
        { jobTypeId: type, status: "COMPLETED", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "PENDING", input: INPUT },
        { jobTypeId: type, status: "CANCELED" },
      ]);
      const result = await requeueJobs(gw, {
        jobs: [
          { jobId: failed, exeNum: 3 },
          { jobId: staleFailed, exeNum: 2 },
          { jobId: completed },
          { jobId: pending },
          { jobId: canceledNoInput },
        ],
        priority: 101,
      });
      expect(result.outcomes.map((o) => o.action)).toEqual(["QUEUED", "SKIPPED", "SKIPPED", "SKIPPED", "UNCANCELED"]);
      expect(result.outcomes[0]).toMatchObject({
        exeNum: 4,
        priority: 101,
        job: { status: "QUEUED", numExes: 4, maxTries: 6 },
      });
      expect(await job(gw, staleFailed!)).toMatchObject({ status: "FAILED", maxTries: 3 });
      expect(await job(gw, canceledNoInput!)).toMatchObject({ status: "PENDING", numExes: 0 });
      expect(result).toMatchObject({ queuedCount: 1, uncanceledCount: 1, skippedCount: 3 });
    });

    it("scenario 17: by filter, matches come by id descending and the eligible ones are requeued with the priority", async () => {
      const type = await createType(gw);
      const batch = 1700 + (dialect === "postgres" ? 1 : 0);
      const ids = await createJobs(gw, [
        { jobTypeId: type, batchId: batch, status: "FAILED", numExes: 3, input: INPUT },
        { jobTypeId: type, batchId: batch, status: "FAILED", numExes: 3, input: INPUT },
        { jobTypeId: type, batchId: batch, status: "FAILED", numExes: 0 },
        { jobTypeId: type, batchId: batch, status: "FAILED", numExes: 3, input: INPUT },
        { jobTypeId: type, batchId: batch, status: "CANCELED", numExes: 3, input: INPUT },
        { jobTypeId: type, batchId: batch, status: "FAILED", numExes: 3, input: INPUT },
        { jobTypeId: type, batchId: batch, status: "FAILED", numExes: 3, input: INPUT },
      ]);
      const [j1, j2, j3, j4, , j6, j7] = ids;
      const result = await requeueJobs(gw, {
        filter: { status: { $in: ["FAILED"] }, batchId: batch },
        priority: 10001,
      });
      expect(result.outcomes.map((o) => o.jobId)).toEqual([j7, j6, j4, j3, j2, j1]);
      expect(result.outcomes.filter((o) => o.action === "QUEUED").map((o) => o.jobId)).toEqual([j7, j6, j4, j2, j1]);
      expect(result.outcomes.find((o) => o.jobId === j3)).toMatchObject({ action: "SKIPPED", reason: "NEVER_QUEUED" });
      expect(new Set(result.outcomes.filter((o) => o.priority !== null).map((o) => o.priority))).toEqual(
        new Set([10001]),
      );
    });

    it("scenario 18: by job type without status, CANCELED jobs are requeued or uncanceled, newest first", async () => {
      const type = await createType(gw);
      const [first, second] = await createJobs(gw, [
        { jobTypeId: type, status: "CANCELED" },
        { jobTypeId: type, status: "CANCELED", numExes: 3, input: INPUT },
      ]);
      const result = await requeueJobs(gw, { filter: { jobTypeId: type } });
      expect(result.outcomes.map((o) => [o.jobId, o.action])).toEqual([
        [second, "QUEUED"],
        [first, "UNCANCELED"],
      ]);
    });

    it("refuses a missing, null or {} filter without all: true; honours all, dryRun and maxLimit", async () => {
      for (const variables of [{}, { filter: null }, { filter: {} }]) {
        const refused = await gw.gql(
          `mutation R($filter: Filter) { requeueJobs(filter: $filter) { dryRun } }`,
          variables,
        );
        expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "filter" });
      }
      const both = await gw.gql(`mutation { requeueJobs(jobs: [{jobId: 1}], filter: {status: "FAILED"}) { dryRun } }`);
      expect(both.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      const type = await createType(gw);
      const ids = await createJobs(
        gw,
        [1, 2, 3].map(() => ({ jobTypeId: type, status: "FAILED", numExes: 1, input: INPUT })),
      );
      const limited = await gw.gql(
        `mutation($t: Int!) { requeueJobs(filter: {jobTypeId: $t}, maxLimit: 2) { dryRun } }`,
        { t: type },
      );
      expect(limited.errors?.[0]?.extensions?.["code"]).toBe("LIMIT_EXCEEDED");
      const dry = await requeueJobs(gw, { all: true, dryRun: true });
      expect(dry.dryRun).toBe(true);
      expect(dry.outcomes.filter((o) => ids.includes(o.jobId)).map((o) => o.action)).toEqual([
        "QUEUED",
        "QUEUED",
        "QUEUED",
      ]);
      for (const id of ids) expect(await job(gw, id)).toMatchObject({ status: "FAILED", numExes: 1 });
      expect(await queueEntries(gw)).toHaveLength(0);
      const bad = await gw.gql(`mutation { requeueJobs(filter: {colour: "red"}) { dryRun } }`);
      expect(bad.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    });

    it("scenario 19: an end-to-end requeue leaves one flagged entry, the replaced one", async () => {
      const type = await createType(gw, { maxTries: 3 });
      const [failed, canceled, completed, recipeFirst, recipeMiddle, queued] = await createJobs(gw, [
        { jobTypeId: type, status: "FAILED", numExes: 3, input: INPUT },
        { jobTypeId: type, status: "CANCELED", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "COMPLETED", numExes: 1, input: INPUT },
        { jobTypeId: type, status: "FAILED", numExes: 1, input: INPUT, recipeId: 1 },
        { jobTypeId: type, status: "CANCELED", recipeId: 2 },
        { jobTypeId: type, status: "PENDING", input: INPUT },
      ]);
      await queueJobs(gw, [{ jobId: queued! }]); // QUEUED with one live entry
      const [superseded] = await createJobs(gw, [
        { jobTypeId: type, status: "FAILED", numExes: 1, input: INPUT, isSuperseded: true },
      ]);
      const result = await requeueJobs(gw, {
        jobs: [failed, canceled, completed, recipeFirst, recipeMiddle, queued].map((jobId) => ({ jobId })),
      });
      expect(result.outcomes.map((o) => o.action)).toEqual([
        "QUEUED",
        "QUEUED",
        "SKIPPED",
        "QUEUED",
        "UNCANCELED",
        "QUEUED",
      ]);
      expect(await job(gw, failed!)).toMatchObject({ status: "QUEUED", maxTries: 6 });
      expect(await job(gw, canceled!)).toMatchObject({ status: "QUEUED", maxTries: 4 });
      expect(await job(gw, superseded!)).toMatchObject({ status: "FAILED" });
      expect(await job(gw, completed!)).toMatchObject({ status: "COMPLETED" });
      expect(await job(gw, recipeMiddle!)).toMatchObject({ status: "PENDING" });
      const status = await gw.ok<{ queueStatus: { count: number }[] }>(STATUS);
      expect(status.queueStatus.reduce((sum, s) => sum + s.count, 0)).toBe(5);
      expect((await queueEntries(gw)).filter((e) => e.isCanceled).map((e) => e.jobId)).toEqual([queued]);
    });
  });

  describe("cancelQueuedJobs (§3.6)", () => {
    it("scenario 22: a QUEUED job becomes CANCELED; its entry stays, flagged, and still counts in queue status", async () => {
      const type = await createType(gw);
      const [id, done] = await createJobs(gw, [
        { jobTypeId: type, input: INPUT },
        { jobTypeId: type, status: "COMPLETED", numExes: 1 },
      ]);
      await queueJobs(gw, [{ jobId: id! }]);
      const data = await gw.ok<{ cancelQueuedJobs: OperationResult }>(CANCEL_JOBS, {
        jobs: [{ jobId: id }, { jobId: done }],
      });
      expect(data.cancelQueuedJobs.outcomes.map((o) => [o.action, o.reason])).toEqual([
        ["CANCELED", null],
        ["SKIPPED", "NOT_ELIGIBLE_STATUS"],
      ]);
      expect(await job(gw, id!)).toMatchObject({ status: "CANCELED" });
      expect(await queueEntries(gw)).toMatchObject([{ jobId: id, isCanceled: true }]);
      const status = await gw.ok<{ queueStatus: { jobTypeId: number; count: number }[] }>(STATUS);
      expect(status.queueStatus).toMatchObject([{ jobTypeId: type, count: 1 }]);
      const refused = await gw.gql(`mutation { cancelQueuedJobs(filter: {}) { dryRun } }`);
      expect(refused.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    });
  });

  describe("queueStatus (§3.2)", () => {
    it("scenario 13 and ordering: unpaused first, then best priority, then oldest; real isSystem and unmetResources", async () => {
      const x = await createType(gw, { isSystem: true, unmetResources: "gpus" });
      const paused = await createType(gw);
      const y = await createType(gw);
      const [a, b, c, d] = await createJobs(gw, [
        { jobTypeId: x, input: INPUT },
        { jobTypeId: paused, input: INPUT },
        { jobTypeId: y, input: INPUT },
        { jobTypeId: y, input: INPUT },
      ]);
      await queueJobs(gw, [{ jobId: a! }], 123);
      await queueJobs(gw, [{ jobId: b! }], 1);
      await queueJobs(gw, [{ jobId: c! }], 200);
      await queueJobs(gw, [{ jobId: d! }], 123);
      await gw.ok(UPDATE_TYPE, { id: paused, patch: { isPaused: true } });
      const data = await gw.ok<{ queueStatus: Record<string, unknown>[] }>(STATUS);
      expect(data.queueStatus.map((s) => s["jobTypeId"])).toEqual([x, y, paused]);
      expect(data.queueStatus[0]).toMatchObject({
        count: 1,
        highestPriority: 123,
        jobType: { id: x, isSystem: true, unmetResources: "gpus" },
      });
      expect(data.queueStatus[0]!["longestQueued"]).toEqual(expect.any(String));
      expect(data.queueStatus[1]).toMatchObject({ count: 2, highestPriority: 123 });
    });
  });

  describe("claimQueueEntry", () => {
    it("scenarios 20 and 21: takes entries in order, canceled ones flagged, passes over paused and ignored types", async () => {
      const live = await createType(gw);
      const paused = await createType(gw);
      const ignored = await createType(gw);
      const [canceled, a, b, p, i] = await createJobs(gw, [
        { jobTypeId: live, input: INPUT },
        { jobTypeId: live, input: INPUT },
        { jobTypeId: live, input: INPUT },
        { jobTypeId: paused, input: INPUT },
        { jobTypeId: ignored, input: INPUT },
      ]);
      await queueJobs(
        gw,
        [canceled, a, b, p, i].map((jobId) => ({ jobId: jobId! })),
      );
      await gw.ok(CANCEL_JOBS, { jobs: [{ jobId: canceled }] });
      await gw.ok(UPDATE_TYPE, { id: paused, patch: { isPaused: true } });
      const first = await gw.ok<{ claimQueueEntry: EntryNode[] }>(CLAIM, { limit: 2, ignore: [ignored] });
      expect(first.claimQueueEntry.map((e) => [e.jobId, e.isCanceled])).toEqual([
        [canceled, true],
        [a, false],
      ]);
      const rest = await gw.ok<{ claimQueueEntry: EntryNode[] }>(CLAIM, {
        limit: 10,
        ignore: [ignored],
        orderMode: "LIFO",
      });
      expect(rest.claimQueueEntry.map((e) => e.jobId)).toEqual([b]);
      expect((await queueEntries(gw)).map((e) => e.jobId)).toEqual([p, i]);
      const bad = await gw.gql(CLAIM, { limit: 0 });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "limit" });
    });
  });

  describe("concurrent requests on one gateway", () => {
    it("queues each job once and claims each entry once when calls overlap", async () => {
      const type = await createType(gw);
      const ids = await createJobs(
        gw,
        Array.from({ length: 20 }, () => ({ jobTypeId: type, input: INPUT })),
      );
      const operations = gw.services.queue.operations;
      const results = await Promise.all(
        [...ids, ...ids].map((jobId) => operations.queueJobs([{ jobId, exeNum: 0 }], null)),
      );
      expect(results.flatMap((r) => r.outcomes).filter((o) => o.action === "QUEUED")).toHaveLength(ids.length);
      const claims = await Promise.all(
        Array.from({ length: 10 }, () => gw.services.queue.entries.claim({ limit: 3, orderMode: "FIFO" })),
      );
      expect(
        claims
          .flat()
          .map((entry) => entry.jobId)
          .sort((a, b) => a - b),
      ).toEqual(ids);
    });
  });

  describe("hostile input", () => {
    it("refuses NUL characters, which Postgres cannot store, as BAD_USER_INPUT", async () => {
      const type = await createType(gw);
      const cases: [string, Record<string, unknown>][] = [
        [`mutation($n: String!) { createJobType(input: {name: $n, version: "1"}) { id } }`, { n: "bad\u0000name" }],
        [
          `mutation($t: Int!, $i: JSONObject) { createScaleJobs(jobs: [{jobTypeId: $t, input: $i}]) { id } }`,
          { t: type, i: { "k\u0000": 1 } },
        ],
        [`query($n: [String!]) { jobLoad(jobTypeNames: $n) { time } }`, { n: ["x\u0000"] }],
      ];
      for (const [query, variables] of cases) {
        expect((await gw.gql(query, variables)).errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      }
    });
  });

  describe("the none store", () => {
    it("answers queue reads and writes with NO_DATA", async () => {
      const none = await startTestGateway("none");
      try {
        for (const operation of [
          `{ queueStatus { count } }`,
          `mutation { claimQueueEntry { id } }`,
          `{ jobLoad { time } }`,
        ]) {
          const result = await none.gql(operation);
          expect(result.errors?.[0]?.extensions?.["code"]).toBe("NO_DATA");
        }
      } finally {
        await none.close();
      }
    });
  });

  describe("federation", () => {
    it("resolves QueueEntry, JobType and ScaleJob references in one batch per type", async () => {
      const type = await createType(gw);
      const ids = await createJobs(gw, [
        { jobTypeId: type, input: INPUT },
        { jobTypeId: type, input: INPUT },
      ]);
      await queueJobs(
        gw,
        ids.map((jobId) => ({ jobId })),
      );
      const entries = await queueEntries(gw);
      const { result, statements } = await countStatements(gw.services, () =>
        gw.ok<{ _entities: Record<string, unknown>[] }>(
          `query($r: [_Any!]!) { _entities(representations: $r) {
             ... on QueueEntry { id jobId } ... on JobType { id name } ... on ScaleJob { id status } } }`,
          {
            r: [
              ...entries.map((e) => ({ __typename: "QueueEntry", id: e.id })),
              { __typename: "JobType", id: type },
              { __typename: "ScaleJob", id: ids[0] },
              { __typename: "QueueEntry", id: 987654 },
            ],
          },
        ),
      );
      expect(result._entities).toEqual([
        { id: entries[0]!.id, jobId: ids[0] },
        { id: entries[1]!.id, jobId: ids[1] },
        { id: type, name: expect.any(String) },
        { id: ids[0], status: "QUEUED" },
        null,
      ]);
      expect(statements).toHaveLength(3);
    });
  });
});
