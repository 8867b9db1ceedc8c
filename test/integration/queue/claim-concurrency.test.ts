import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { silentLogger } from "../../../src/logger";
import { createGateway } from "../../../src/server/app";
import type { Services } from "../../../src/services";
import { createPostgresDatabase } from "../../support/databases";
import { testConfig } from "../../support/gateway";

/**
 * Several schedulers on one Postgres, through two gateways (two connection pools): every entry is claimed exactly
 * once, and each claimer gets its entries in queue order; racing queue calls queue each job once.
 */
describe("queue operations racing on one Postgres through two gateways", () => {
  const gateways: Awaited<ReturnType<typeof createGateway>>[] = [];

  beforeAll(async () => {
    const url = await createPostgresDatabase("queue");
    gateways.push(await createGateway(testConfig(url), silentLogger));
    gateways.push(await createGateway(testConfig(url), silentLogger));
  });
  afterAll(async () => {
    for (const { apollo, services } of gateways) {
      await apollo.stop();
      await services.context.db?.close();
    }
  });

  it("hands every entry to exactly one claimer", async () => {
    const [a, b] = gateways.map((gateway) => gateway.services) as [Services, Services];
    const type = await a.queue.jobTypes.create({ name: "race", version: "1" });
    const jobs = await a.queue.jobs.create(
      Array.from({ length: 300 }, (_, i) => ({
        jobTypeId: type.id,
        input: { i },
        configuration: { priority: 1 + (i % 5) },
      })),
      true,
    );
    const claimed: number[][] = [];
    const claimer = async (services: Services) => {
      const mine: number[] = [];
      for (;;) {
        const entries = await services.queue.entries.claim({ limit: 3, orderMode: "FIFO" });
        if (entries.length === 0) return mine;
        const priorities = entries.map((entry) => entry.priority);
        expect(priorities).toEqual([...priorities].sort((x, y) => x - y));
        mine.push(...entries.map((entry) => entry.jobId));
      }
    };
    claimed.push(...(await Promise.all([a, b, a, b, a, b, a, b].map(claimer))));
    const all = claimed.flat();
    expect(all).toHaveLength(jobs.length);
    expect(new Set(all)).toEqual(new Set(jobs.map((job) => job.id)));
    // Every claimer took part: the entries were really contended for, not drained by one.
    expect(claimed.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
  });

  it("queues each job once when the same jobs are queued and requeued concurrently", async () => {
    const [a, b] = gateways.map((gateway) => gateway.services) as [Services, Services];
    const type = await a.queue.jobTypes.create({ name: "race-queue", version: "1" });
    const jobs = await a.queue.jobs.create(
      Array.from({ length: 40 }, (_, i) => ({ jobTypeId: type.id, input: { i } })),
    );
    const refs = jobs.map((job) => ({ jobId: job.id, exeNum: 0 }));
    const firsts = await Promise.all([a, b, a, b].map((services) => services.queue.operations.queueJobs(refs, null)));
    const queuedPerJob = new Map<number, number>();
    for (const result of firsts) {
      for (const outcome of result.outcomes) {
        if (outcome.action === "QUEUED") queuedPerJob.set(outcome.jobId, (queuedPerJob.get(outcome.jobId) ?? 0) + 1);
        else expect(outcome.reason).toBe("STALE_EXE_NUM");
      }
    }
    expect([...queuedPerJob.values()]).toEqual(jobs.map(() => 1));
    // Requeues with the same exeNum race too: one wins per job, the others see a stale execution count.
    const requeues = await Promise.all(
      [b, a, b].map((services) =>
        services.queue.operations.requeueJobs({ jobs: jobs.map((job) => ({ jobId: job.id, exeNum: 1 })) }, null),
      ),
    );
    expect(requeues.flatMap((r) => r.outcomes).filter((o) => o.action === "QUEUED")).toHaveLength(jobs.length);
    const entries = await a.queue.entries.list({ orderMode: "FIFO", filter: { jobTypeId: type.id }, first: 1000 });
    const live = entries.edges.filter((edge) => !edge.node.isCanceled).map((edge) => edge.node);
    expect(live.map((entry) => Number(entry.jobId)).sort((x, y) => x - y)).toEqual(jobs.map((job) => job.id));
    expect(new Set(live.map((entry) => entry.exeNum))).toEqual(new Set([2]));
    expect(entries.edges).toHaveLength(2 * jobs.length);
  });
});
