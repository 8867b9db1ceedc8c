/**
 * Issue 12, class 4: a lease's id is its holder's proof of ownership. It is visible to the caller who took it (or
 * presents it) and to admins; every other reader sees null, cannot find it by filtering, and LOCKED messages never
 * print it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../support/databases";
import { addFlow, expectAnswered, expectRefused, type HostileServer, startHostileServer } from "./harness";

describe.each(DIALECTS)("lease secrecy on %s", (dialect) => {
  let server: HostileServer;
  let flow: { uuid: string; dbIds: string[] };
  let jobLock: string;
  let flowLock: string;

  beforeAll(async () => {
    server = await startHostileServer(dialect);
    flow = await addFlow(server, "leased", 3);
    const taken = await server.ok<{ lockJob: { lockId: string } }>(
      `mutation($db: String) { lockJob(dbId: $db, holder: "worker-a", ttlSeconds: 600) { lockId } }`,
      { db: flow.dbIds[0] },
      "operator",
    );
    jobLock = taken.lockJob.lockId;
    const flowTaken = await server.ok<{ lockFlow: { lockId: string } }>(
      `mutation($uuid: ID!) { lockFlow(uuid: $uuid, holder: "worker-a", ttlSeconds: 600) { lockId } }`,
      { uuid: flow.uuid },
      "operator",
    );
    flowLock = flowTaken.lockFlow.lockId;
    expect(jobLock).toMatch(/^[0-9a-f-]{36}$/);
  }, 60_000);
  afterAll(() => server?.close());

  const READS = (db: string, uuid: string) =>
    [
      [`{ job(dbId: "${db}") { lockId lockHolder isLocked } }`, (data: Record<string, unknown>) => data["job"]],
      [`{ jobs(first: 10) { edges { node { lockId } } } }`, (data: Record<string, unknown>) => data["jobs"]],
      [`{ flow(uuid: "${uuid}") { lockId jobs { lockId } } }`, (data: Record<string, unknown>) => data["flow"]],
      [
        `{ _entities(representations: [{__typename: "Job", dbId: "${db}"}, {__typename: "Flow", uuid: "${uuid}"}]) { ... on Job { lockId } ... on Flow { lockId } } }`,
        (data: Record<string, unknown>) => data["_entities"],
      ],
    ] as const;

  it("hides the lock id from readers and other operators, wherever it is read", async () => {
    for (const role of ["reader", "operator"] as const) {
      for (const [query, pick] of READS(flow.dbIds[0] as string, flow.uuid)) {
        const text = JSON.stringify(pick(expectAnswered(await server.post(query, undefined, role), query)));
        expect(text, `${role}: ${query}`).not.toContain(jobLock);
        expect(text, `${role}: ${query}`).not.toContain(flowLock);
      }
    }
    // The lease itself is not secret: who holds it and whether it is held.
    const job = expectAnswered(
      await server.post(`{ job(dbId: "${flow.dbIds[0]}") { lockId lockHolder isLocked } }`, undefined, "reader"),
    );
    expect(job["job"]).toEqual({ lockId: null, lockHolder: "worker-a", isLocked: true });
  });

  it("shows it to admins and to the caller presenting it", async () => {
    const admin = expectAnswered(
      await server.post(`{ job(dbId: "${flow.dbIds[0]}") { lockId } flow(uuid: "${flow.uuid}") { lockId } }`),
    );
    expect(admin).toEqual({ job: { lockId: jobLock }, flow: { lockId: flowLock } });
    const renewed = expectAnswered(
      await server.post(
        `mutation($l: ID!) { renewLock(lockId: $l, ttlSeconds: 600) { lockId } }`,
        { l: jobLock },
        "operator",
      ),
    );
    expect(renewed).toEqual({ renewLock: { lockId: jobLock } });
  });

  it("never prints the holder's lock id in LOCKED answers", async () => {
    for (const query of [
      `mutation($db: String) { lockJob(dbId: $db, holder: "worker-b") { lockId } }`,
      `mutation($db: String!) { pauseJobs(query: {dbIds: [$db]}) { __typename } }`,
      `mutation($uuid: ID!) { lockFlow(uuid: $uuid, holder: "worker-b") { lockId } }`,
    ]) {
      const answer = await server.post(query, { db: flow.dbIds[0], uuid: flow.uuid }, "operator");
      expect(JSON.stringify(answer.body), query).not.toContain(jobLock);
      expect(JSON.stringify(answer.body), query).not.toContain(flowLock);
      expectRefused(answer, "LOCKED", undefined, query);
    }
  });

  it("refuses filtering or probing on lock_id", async () => {
    for (const filter of [
      { lock_id: jobLock },
      { lockId: { $regex: `^${jobLock.slice(0, 1)}` } },
      { lock_id: { $gt: "8" } },
      { $or: [{ lock_id: { $exists: true } }] },
    ]) {
      for (const query of [
        `query($f: Filter) { countJobs(filter: $f) }`,
        `query($f: Filter) { countFlows(filter: $f) }`,
      ]) {
        const error = expectRefused(
          await server.post(query, { f: filter }, "reader"),
          "BAD_USER_INPUT",
          undefined,
          query,
        );
        expect(error.message).toMatch(/cannot be filtered on/);
      }
    }
  });

  it("gives a checked-out job's lock id to the worker that took it", async () => {
    await server.ok(`mutation($l: ID!) { releaseLock(lockId: $l) }`, { l: jobLock }, "operator");
    const checkout = expectAnswered(
      await server.post(
        `mutation { checkoutJob(holder: "worker-c", ttlSeconds: 60) { dbId lockId } }`,
        undefined,
        "operator",
      ),
    ) as { checkoutJob: { dbId: string; lockId: string } | null };
    expect(checkout.checkoutJob?.lockId).toMatch(/^[0-9a-f-]{36}$/);
    const other = expectAnswered(
      await server.post(`{ job(dbId: "${checkout.checkoutJob?.dbId}") { lockId } }`, undefined, "operator"),
    );
    expect(other).toEqual({ job: { lockId: null } });
  });
});
