import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createRequestContext } from "../../src/graphql/shared/context";
import { createLogger, silentLogger } from "../../src/logger";
import { createGateway } from "../../src/server/app";
import type { Dialect } from "../../src/dialect";
import { freshDatabaseUrl } from "../support/databases";
import { type GqlResult, testConfig } from "../support/gateway";

/**
 * Concurrent clients mixing ingest, purge, checkout and locks (issue #7): nothing lost, nothing duplicated.
 * Postgres: two gateways (two pools) on one database, as two replicas would be. SQLite: one gateway — one
 * process holds the file's one writer connection (WAL, busy timeout); a second process would wait on the lock.
 */
const ADD = `mutation Add($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`;
const PURGE = `mutation Purge($ids: [ID!]) { purgeTaskRecords(msgIds: $ids, force: true) { count } }`;
const ADD_FLOW = `mutation AddFlow($flow: FlowInput!) { addFlow(flow: $flow) { uuid } }`;
const CHECKOUT = `mutation Checkout($flow: String) { checkoutJob(flowUuid: $flow) { dbId uuid } }`;
const LOCK = `mutation Lock($uuid: String, $holder: String!) { lockJob(uuid: $uuid, holder: $holder, ttlSeconds: 60) { lockId holder } }`;
const RELEASE = `mutation Release($lockId: ID!) { releaseLock(lockId: $lockId) }`;

type Gql = <T>(query: string, variables?: Record<string, unknown>) => Promise<GqlResult<T>>;

const CASES: readonly { dialect: Dialect; gateways: number }[] = [
  { dialect: "sqlite", gateways: 1 },
  { dialect: "postgres", gateways: 2 },
];

describe.each(CASES)("concurrent clients on $dialect ($gateways gateway(s))", ({ dialect, gateways }) => {
  const clients: Gql[] = [];
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const url = await freshDatabaseUrl(dialect);
    for (let g = 0; g < gateways; g++) {
      const { apollo, services } = await createGateway(
        testConfig(url),
        process.env["DEBUG_CONC"] ? createLogger("error") : silentLogger,
      );
      closers.push(async () => {
        await apollo.stop();
        await services.context.db?.close();
      });
      let n = 0;
      clients.push(async <T>(query: string, variables?: Record<string, unknown>) => {
        const response = await apollo.executeOperation<T>(
          { query, variables },
          { contextValue: createRequestContext(services, `c${g}-${++n}`) },
        );
        if (response.body.kind !== "single") throw new Error("unexpected incremental response");
        return JSON.parse(JSON.stringify(response.body.singleResult)) as GqlResult<T>;
      });
    }
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  const client = (i: number): Gql => clients[i % clients.length] as Gql;

  it("mixes ingest, purge, checkout and locks without losing or duplicating anything", async () => {
    // Seed: records to purge while others ingest, and a flow of independent READY jobs to check out.
    const doomed = Array.from({ length: 200 }, (_, i) => ({
      msgId: `doomed-${i}`,
      submitted: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    }));
    expect((await client(0)(ADD, { records: doomed })).errors).toBeUndefined();
    const JOBS = 30;
    const flow = {
      name: "race",
      jobs: Array.from({ length: JOBS }, (_, i) => ({ uuid: `job-${i}`, name: `job ${i}` })),
    };
    const added = await client(0)<{ addFlow: { uuid: string } }>(ADD_FLOW, { flow });
    expect(added.errors).toBeUndefined();
    const flowUuid = added.data?.addFlow.uuid;
    // The lock race is on a job of another flow: a job under a lease is not checked out, so a lock won before the
    // checkouts reached that job would leave one of the race's jobs out (a flaky count, not a lost job).
    const lockFlow = { name: "locks", jobs: [{ uuid: "lock-target", name: "lock target" }] };
    expect((await client(1)(ADD_FLOW, { flow: lockFlow })).errors).toBeUndefined();

    const ingest = Array.from({ length: 20 }, (_, b) =>
      client(b)(ADD, {
        records: Array.from({ length: 50 }, (_, i) => ({
          msgId: `new-${b}-${i}`,
          submitted: new Date(Date.UTC(2026, 1, 1, 0, b, i)).toISOString(),
        })),
      }),
    );
    const purges = Array.from({ length: 10 }, (_, p) =>
      client(p)<{ purgeTaskRecords: { count: number } }>(PURGE, {
        ids: doomed.filter((_, i) => i % 10 === p).map((r) => r.msgId),
      }),
    );
    // More checkouts than READY jobs: each job goes out once, the rest get null.
    const checkouts = Array.from({ length: JOBS + 10 }, (_, c) =>
      client(c)<{ checkoutJob: { dbId: string; uuid: string } | null }>(CHECKOUT, { flow: flowUuid }),
    );
    // Ten holders race for one job's lock: exactly one wins, the others get LOCKED.
    const locks = Array.from({ length: 10 }, (_, h) =>
      client(h)<{ lockJob: { lockId: string; holder: string } }>(LOCK, { uuid: "lock-target", holder: `holder-${h}` }),
    );

    const [ingested, purged, checkedOut, locked] = await Promise.all([
      Promise.all(ingest),
      Promise.all(purges),
      Promise.all(checkouts),
      Promise.all(locks),
    ]);

    expect(ingested.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(purged.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(purged.reduce((sum, r) => sum + (r.data?.purgeTaskRecords.count ?? 0), 0)).toBe(doomed.length);

    expect(checkedOut.flatMap((r) => r.errors ?? [])).toEqual([]);
    const handedOut = checkedOut.map((r) => r.data?.checkoutJob?.uuid).filter((uuid): uuid is string => Boolean(uuid));
    expect(handedOut.length).toBe(JOBS);
    expect(new Set(handedOut).size).toBe(JOBS);

    const winners = locked.filter((r) => !r.errors && r.data?.lockJob);
    expect(winners.length).toBe(1);
    expect(locked.filter((r) => r.errors).map((r) => r.errors?.[0]?.extensions?.["code"])).toEqual(
      Array(9).fill("LOCKED"),
    );

    const history = await client(1)<{ taskHistory: string[] }>(`{ taskHistory }`);
    const ids = history.data?.taskHistory ?? [];
    expect(ids.length).toBe(20 * 50);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id.startsWith("new-"))).toBe(true);

    // The lock is released once, and then free for another holder.
    const lockId = winners[0]?.data?.lockJob.lockId;
    const releases = await Promise.all([
      client(0)<{ releaseLock: boolean }>(RELEASE, { lockId }),
      client(1)<{ releaseLock: boolean }>(RELEASE, { lockId }),
    ]);
    expect(releases.map((r) => r.data?.releaseLock).sort()).toEqual([false, true]);
    expect((await client(1)(LOCK, { uuid: "lock-target", holder: "after" })).errors).toBeUndefined();
  });
});
