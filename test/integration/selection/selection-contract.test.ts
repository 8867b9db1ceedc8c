/**
 * The selection contract of every mutation that acts on many records (src/services/shared/selection.ts,
 * docs/filter.md "Destructive mutations"): a filter that normalises to no condition is refused exactly like `{}`,
 * and `maxLimit: 0` means "no limit" everywhere, as jobflow-remote's `max_limit=0`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { startTestGateway, type TestGateway } from "../../support/gateway";
import { add, completed, storedIds } from "../tasks/records";
import { CREATE_JOBS, CREATE_TYPE } from "../queue/queue-fixtures";

/** Filters that say nothing, whatever their keys: each is refused like {} (issue #12, class 10). */
const EMPTY_FILTERS: readonly Record<string, unknown>[] = [
  {},
  { $comment: "everything, quietly" },
  { $and: [{}] },
  { $or: [{}] },
  { $or: [{}, { $comment: "x" }] },
  { $and: [{ $or: [{}] }, { $comment: "x" }] },
];

interface Case {
  readonly name: string;
  /** The mutation with `$filter: Filter` (and `$maxLimit: Int`) declared. */
  readonly mutation: string;
  /** Variables that select one or more real records by filter. */
  readonly real: Record<string, unknown>;
  /** Variables naming nothing that still pass the other checks (e.g. an empty named query). */
  readonly extraEmpty?: readonly Record<string, unknown>[];
}

const CASES: readonly Case[] = [
  {
    name: "purgeTaskRecords",
    mutation: `mutation($filter: Filter, $maxLimit: Int) { purgeTaskRecords(filter: $filter, maxLimit: $maxLimit, dryRun: true) { count } }`,
    real: { filter: { msg_id: { $in: ["s1", "s2"] } } },
  },
  {
    name: "resubmitTasks",
    mutation: `mutation($filter: Filter, $maxLimit: Int) { resubmitTasks(filter: $filter, maxLimit: $maxLimit, dryRun: true) { dryRun } }`,
    real: { filter: { msg_id: { $in: ["s1", "s2"] } } },
  },
  {
    name: "pauseJobs",
    mutation: `mutation($filter: Filter, $query: JobQueryInput, $maxLimit: Int) { pauseJobs(filter: $filter, query: $query, maxLimit: $maxLimit, dryRun: true) { matched } }`,
    real: { filter: { state: "READY" } },
    extraEmpty: [{ query: {} }, { query: { metadata: {} } }, { query: { states: null } }, { filter: {}, query: {} }],
  },
  {
    name: "deleteJobs",
    mutation: `mutation($filter: Filter, $query: JobQueryInput, $maxLimit: Int) { deleteJobs(filter: $filter, query: $query, maxLimit: $maxLimit, dryRun: true) { matched } }`,
    real: { filter: { state: "READY" } },
    extraEmpty: [{ query: { metadata: {} } }],
  },
  {
    name: "deleteFlows",
    mutation: `mutation($filter: Filter, $query: FlowQueryInput, $maxLimit: Int) { deleteFlows(filter: $filter, query: $query, maxLimit: $maxLimit, dryRun: true) { matched } }`,
    real: { filter: { state: "READY" } },
    extraEmpty: [{ query: {} }],
  },
  {
    name: "unlockJobs",
    mutation: `mutation($filter: Filter, $query: JobQueryInput, $maxLimit: Int) { unlockJobs(filter: $filter, query: $query, maxLimit: $maxLimit, dryRun: true) { count } }`,
    real: { filter: { state: "READY" } },
  },
  {
    name: "unlockFlows",
    mutation: `mutation($filter: Filter, $query: FlowQueryInput, $maxLimit: Int) { unlockFlows(filter: $filter, query: $query, maxLimit: $maxLimit, dryRun: true) { count } }`,
    real: { filter: { state: "READY" } },
  },
  {
    name: "requeueJobs",
    mutation: `mutation($filter: Filter, $maxLimit: Int) { requeueJobs(filter: $filter, maxLimit: $maxLimit, dryRun: true) { dryRun } }`,
    real: { filter: { status: "FAILED" } },
  },
  {
    name: "cancelQueuedJobs",
    mutation: `mutation($filter: Filter, $maxLimit: Int) { cancelQueuedJobs(filter: $filter, maxLimit: $maxLimit, dryRun: true) { dryRun } }`,
    real: { filter: { status: "FAILED" } },
  },
];

describe.each(DIALECTS)("the selection contract on %s", (dialect) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    await add(gw, [completed("s1", 1), completed("s2", 2)]);
    for (const name of ["f1", "f2"]) {
      const { addFlow } = await gw.ok<{ addFlow: { uuid: string; ids: { dbId: string }[] } }>(
        `mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid ids { dbId } } }`,
        {
          flow: {
            name,
            jobs: [
              { name: `${name}-a`, uuid: `${name}-a` },
              { name: `${name}-b`, parents: [`${name}-a`] },
            ],
          },
        },
      );
      // Leases to unlock (expired at once, so they block nothing else): a READY job and its flow each.
      await gw.ok(`mutation($id: String) { lockJob(dbId: $id, holder: "contract", ttlSeconds: 0.001) { lockId } }`, {
        id: addFlow.ids[0]?.dbId,
      });
      await gw.ok(`mutation($uuid: ID!) { lockFlow(uuid: $uuid, holder: "contract", ttlSeconds: 0.001) { lockId } }`, {
        uuid: addFlow.uuid,
      });
    }
    const { createJobType } = await gw.ok<{ createJobType: { id: number } }>(CREATE_TYPE, {
      input: { name: "contract", version: "1" },
    });
    await gw.ok(CREATE_JOBS, {
      jobs: [1, 2].map(() => ({ jobTypeId: createJobType.id, status: "FAILED", numExes: 1, input: { a: 1 } })),
    });
  });
  afterAll(() => gw?.close());

  const code = async (mutation: string, variables: Record<string, unknown>) =>
    (await gw.gql(mutation, variables)).errors?.[0]?.extensions?.["code"] ?? "OK";

  it.each(CASES)("$name refuses every filter that puts no condition, like {}", async ({ mutation, extraEmpty }) => {
    const before = await storedIds(gw);
    for (const variables of [...EMPTY_FILTERS.map((filter) => ({ filter })), ...(extraEmpty ?? [])]) {
      const result = await gw.gql(mutation, variables);
      expect(result.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: "BAD_USER_INPUT" });
    }
    expect(await storedIds(gw)).toEqual(before);
  });

  it.each(CASES)("$name: maxLimit 0 means no limit, 1 refuses two matches", async ({ mutation, real }) => {
    expect(await code(mutation, { ...real, maxLimit: 0 })).toBe("OK");
    expect(await code(mutation, { ...real, maxLimit: 1 })).toBe("LIMIT_EXCEEDED");
    expect(await code(mutation, { ...real, maxLimit: -1 })).toBe("BAD_USER_INPUT");
  });
});
