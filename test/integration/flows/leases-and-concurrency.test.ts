/**
 * Leases (expiry, wait, break, release by the wrong holder) and the concurrency guarantees: concurrent checkouts
 * hand every READY job out exactly once — on Postgres across two gateway processes' connection pools on one
 * database — and concurrent addFlow calls get disjoint db-id ranges.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";

import { createRequestContext } from "../../../src/graphql/shared/context";
import { silentLogger } from "../../../src/logger";
import { createGateway } from "../../../src/server/app";
import { DIALECTS } from "../../support/databases";
import { testConfig } from "../../support/gateway";
import { byIds, errorOf, JobflowDriver, sleep } from "./support";

describe.each(DIALECTS)("leases on %s", (dialect) => {
  let jf: JobflowDriver;
  beforeEach(async () => {
    jf = await JobflowDriver.start(dialect);
    await jf.addFlow("f", [{ name: "a" }, { name: "b", parents: ["a"] }]);
  });
  afterEach(() => jf?.close());

  it("a lease says who holds it since when and until when; a second holder gets LOCKED with those facts", async () => {
    const lease = (await jf.lockJob("1", "alice", { ttl: 60 })).data?.lockJob;
    expect(lease?.holder).toBe("alice");
    expect(Date.parse(lease?.expiresAt as string) - Date.parse(lease?.lockedSince as string)).toBe(60_000);
    const error = errorOf(await jf.lockJob("1", "bob"));
    expect(error.code).toBe("LOCKED");
    expect(error.extensions["lockedBy"]).toBe("alice");
    expect(error.extensions["lockedSince"]).toBe(lease?.lockedSince);
    expect(error.message).toContain("alice");
    expect((await jf.job("1")).isLocked).toBe(true);
  });

  it("an expired lease blocks nobody: operations and new leases go through", async () => {
    await jf.lockJob("1", "crashed-runner", { ttl: 0.2 });
    expect(errorOf(await jf.bulk("pauseJobs", byIds("1"))).code).toBe("LOCKED");
    await sleep(250);
    expect((await jf.job("1")).isLocked).toBe(false);
    expect(await jf.countJobs({ locked: true })).toBe(0);
    expect(await jf.ok("pauseJobs", byIds("1"))).toEqual(["1"]);
    expect((await jf.lockJob("1", "bob")).data?.lockJob.holder).toBe("bob");
  });

  it("an expired lease cannot be renewed; a live one can", async () => {
    const short = (await jf.lockJob("1", "alice", { ttl: 0.2 })).data?.lockJob;
    const renew = (id: string, ttl: number) =>
      jf.gw.gql<{ renewLock: { expiresAt: string } }>(
        `mutation($id: ID!, $ttl: Float) { renewLock(lockId: $id, ttlSeconds: $ttl) { expiresAt } }`,
        { id, ttl },
      );
    const renewed = await renew(short?.lockId as string, 30);
    expect(Date.parse(renewed.data?.renewLock.expiresAt as string)).toBeGreaterThan(Date.now() + 25_000);
    const other = (await jf.lockJob("2", "carol", { ttl: 0.1 })).data?.lockJob;
    await sleep(150);
    expect(errorOf(await renew(other?.lockId as string, 30)).code).toBe("NOT_FOUND");
  });

  it("wait polls finely: a lease released after 300 ms is taken well before a 10 s poll would", async () => {
    const lease = (await jf.lockJob("1", "alice")).data?.lockJob;
    setTimeout(() => void jf.release(lease?.lockId as string), 300);
    const started = Date.now();
    const taken = await jf.lockJob("1", "bob", { wait: 5 });
    expect(taken.data?.lockJob.holder).toBe("bob");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("wait gives up after its seconds", async () => {
    await jf.lockJob("1", "alice");
    const started = Date.now();
    expect(errorOf(await jf.lockJob("1", "bob", { wait: 0.5 })).code).toBe("LOCKED");
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("breakLock takes over; the former holder can neither release nor renew", async () => {
    const first = (await jf.lockJob("1", "alice")).data?.lockJob;
    const second = (await jf.lockJob("1", "bob", { breakLock: true })).data?.lockJob;
    expect(second?.holder).toBe("bob");
    expect(await jf.release(first?.lockId as string)).toBe(false);
    expect((await jf.job("1")).lockHolder).toBe("bob");
    expect(await jf.release(second?.lockId as string)).toBe(true);
    expect((await jf.job("1")).isLocked).toBe(false);
  });

  it("release with the wrong lock id changes nothing", async () => {
    await jf.lockJob("1", "alice");
    expect(await jf.release("not-a-lease")).toBe(false);
    expect((await jf.job("1")).lockHolder).toBe("alice");
    expect(errorOf(await jf.lockJob("1", "bob")).code).toBe("LOCKED");
  });

  it("a flow lease blocks operations that lock the flow, and releases", async () => {
    const flowUuid = (await jf.job("1")).flowUuid;
    const lease = (await jf.lockFlow(flowUuid, "admin")).data?.lockFlow;
    const error = errorOf(await jf.bulk("pauseJobs", byIds("1")));
    expect(error.code).toBe("LOCKED");
    expect(error.message).toContain(`Flow with uuid ${flowUuid}`);
    expect(await jf.release(lease?.lockId as string)).toBe(true);
    expect(await jf.ok("pauseJobs", byIds("1"))).toEqual(["1"]);
  });

  it("bulk operations are all or nothing, and dryRun changes nothing", async () => {
    await jf.addFlow("g", [{ name: "c" }]);
    // jobs 1 and 3 are READY, 2 is WAITING: pausing all three works; stopping all three fails on the WAITING one.
    const stop = errorOf(await jf.bulk("stopJobs", { all: true }));
    expect(stop.code).toBe("INVALID_STATE");
    expect([await jf.state("1"), await jf.state("3")]).toEqual(["READY", "READY"]);
    const dry = await jf.bulk("pauseJobs", { all: true, dryRun: true });
    expect(dry.data?.["pauseJobs"]).toEqual({ dbIds: ["1", "2", "3"], matched: 3, dryRun: true });
    expect(await jf.countJobs({ states: ["PAUSED"] })).toBe(0);
    expect(errorOf(await jf.bulk("pauseJobs", { all: true, maxLimit: 2 })).code).toBe("LIMIT_EXCEEDED");
    expect(await jf.countJobs({ states: ["PAUSED"] })).toBe(0);
    for (const selection of [{}, { filter: {} }, { query: {} }]) {
      expect(errorOf(await jf.bulk("pauseJobs", selection)).code).toBe("BAD_USER_INPUT");
    }
    expect(await jf.ok("pauseJobs", { filter: { state: "READY" } })).toEqual(["1", "3"]);
  });
});

describe.each(DIALECTS)("concurrency on %s", (dialect) => {
  const gateways: Awaited<ReturnType<typeof createGateway>>[] = [];
  afterAll(async () => {
    for (const gateway of gateways) {
      await gateway.apollo.stop();
      await gateway.services.context.db?.close();
    }
  });

  /**
   * Postgres: two gateways with their own connection pools on one database (one process per gateway in production).
   * SQLite serves one gateway process (DESIGN.md "Storage": more than one replica needs Postgres), so there all
   * clients race through one gateway.
   */
  async function twoGateways() {
    const jf = await JobflowDriver.start(dialect);
    const other = dialect === "postgres" ? await createGateway(testConfig(jf.gw.databaseUrl), silentLogger) : null;
    if (other) gateways.push(other);
    let n = 0;
    const call = async <T>(gateway: 0 | 1, query: string, variables?: Record<string, unknown>): Promise<T> => {
      if (gateway === 0 || !other) return jf.gw.ok<T>(query, variables);
      const response = await other.apollo.executeOperation<T>(
        { query, variables },
        { contextValue: createRequestContext(other.services, `other-${++n}`) },
      );
      if (response.body.kind !== "single" || response.body.singleResult.errors)
        throw new Error(JSON.stringify(response.body));
      return response.body.singleResult.data as T;
    };
    return { jf, call };
  }

  it("every READY job is checked out exactly once when many clients race", async () => {
    const { jf, call } = await twoGateways();
    const jobs = Array.from({ length: 30 }, (_, i) => ({ name: `j${i}`, priority: i % 3 }));
    await jf.addFlow("many", jobs.slice(0, 15));
    await jf.addFlow("more", jobs.slice(15));
    const attempts = Array.from({ length: 40 }, (_, i) =>
      call<{ checkoutJob: { dbId: string } | null }>((i % 2) as 0 | 1, `mutation { checkoutJob { dbId } }`),
    );
    const results = await Promise.all(attempts);
    const handed = results.map((result) => result.checkoutJob?.dbId).filter((id): id is string => id !== undefined);
    expect(handed).toHaveLength(30);
    expect(new Set(handed).size).toBe(30);
    expect(results.filter((result) => result.checkoutJob === null)).toHaveLength(10);
    expect(await jf.countJobs({ states: ["CHECKED_OUT"] })).toBe(30);
    await jf.close();
  });

  it("checkout follows priority, then creation order", async () => {
    const { jf } = await twoGateways();
    await jf.addFlow("p", [{ name: "low" }, { name: "high", priority: 5 }, { name: "low2" }]);
    const order: string[] = [];
    for (let i = 0; i < 3; i++)
      order.push(
        (await jf.gw.ok<{ checkoutJob: { name: string } }>(`mutation { checkoutJob { name } }`)).checkoutJob.name,
      );
    expect(order).toEqual(["high", "low", "low2"]);
    await jf.close();
  });

  it("concurrent addFlow calls get disjoint, consecutive db-id ranges", async () => {
    const { jf, call } = await twoGateways();
    const flows = Array.from({ length: 12 }, (_, i) => ({
      name: `f${i}`,
      jobs: Array.from({ length: 5 }, (_, j) => ({ name: `f${i}j${j}` })),
    }));
    const added = await Promise.all(
      flows.map((flow, i) =>
        call<{ addFlow: { ids: { dbId: string }[] } }>(
          (i % 2) as 0 | 1,
          `mutation($f: FlowInput!) { addFlow(flow: $f) { ids { dbId } } }`,
          { f: flow },
        ),
      ),
    );
    const ranges = added.map((result) => result.addFlow.ids.map((id) => Number(id.dbId)));
    for (const range of ranges) expect(range).toEqual(Array.from({ length: 5 }, (_, k) => (range[0] as number) + k));
    const all = ranges.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 60 }, (_, k) => k + 1));
    await jf.close();
  });

  it("two clients racing for one lease: exactly one wins", async () => {
    const { jf, call } = await twoGateways();
    await jf.addFlow("l", [{ name: "a" }]);
    const attempt = (gateway: 0 | 1, holder: string) =>
      call<{ lockJob: { holder: string } }>(
        gateway,
        `mutation($h: String!) { lockJob(dbId: "1", holder: $h) { holder } }`,
        { h: holder },
      ).then(
        (data) => data.lockJob.holder,
        () => null,
      );
    const winners = (
      await Promise.all(Array.from({ length: 10 }, (_, i) => attempt((i % 2) as 0 | 1, `h${i}`)))
    ).filter((w) => w !== null);
    expect(winners).toHaveLength(1);
    expect((await jf.job("1")).lockHolder).toBe(winners[0]);
    await jf.close();
  });
});
