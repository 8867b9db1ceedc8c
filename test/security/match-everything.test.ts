/**
 * Issue 12, class 6: "`{}` is refused" holds semantically. Every destructive or bulk mutation refuses each selection
 * that normalises to no condition exactly like `{}` (BAD_USER_INPUT, nothing changed); acting on everything takes
 * `all: true`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../support/databases";
import { addFlow, addTaskRecords, expectRefused, type HostileServer, startHostileServer } from "./harness";

/** Filters that put no condition on the records (the issue's, and the other members of their family). */
const EMPTY_FILTERS: readonly Record<string, unknown>[] = [
  {},
  { $comment: "x" },
  { $and: [{}] },
  { $or: [{}] },
  { $and: [{ $or: [{}] }, { $comment: "y" }] },
  { $or: [{}, { $comment: 1 }] },
  { $and: [{ $and: [{ $and: [{}] }] }] },
];
/** Field-level forms that match every row of their table (NOT NULL key columns). */
const EVERY_TASK = [{ msg_id: { $exists: true } }, { msgId: { $ne: null } }, { msg_id: { $nin: [] } }];
const EVERY_JOB = [{ db_id: { $exists: true } }, { uuid: { $ne: null } }, { state: { $nin: [] } }];
const EVERY_FLOW = [{ uuid: { $exists: true } }, { name: { $ne: null } }];
const EVERY_SCALE_JOB = [{ id: { $exists: true } }];
/** jobflow-remote's named queries with no condition in them. */
const EMPTY_JOB_QUERIES = [{}, { metadata: {} }, { dbIds: null, metadata: {} }, { states: null }];
const EMPTY_FLOW_QUERIES = [{}, { flowIds: null }, { states: null, name: null }];

interface Case {
  readonly label: string;
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

function cases(): Case[] {
  const out: Case[] = [];
  const add = (label: string, query: string, forms: readonly unknown[], name = "f") => {
    for (const form of forms)
      out.push({ label: `${label} ${JSON.stringify(form)}`, query, variables: { [name]: form } });
  };
  const filterOf = (mutation: string, extra = "") =>
    `mutation($f: Filter) { ${mutation}(filter: $f${extra}) { __typename } }`;
  const queryOf = (mutation: string, type: string) => `mutation($q: ${type}) { ${mutation}(query: $q) { __typename } }`;
  const taskForms = [...EMPTY_FILTERS, ...EVERY_TASK];
  add("purgeTaskRecords", filterOf("purgeTaskRecords"), taskForms);
  add("purgeTaskRecords force", filterOf("purgeTaskRecords", ", force: true"), taskForms);
  add("resubmitTasks", filterOf("resubmitTasks"), taskForms);
  const jobForms = [...EMPTY_FILTERS, ...EVERY_JOB];
  for (const mutation of ["deleteJobs", "rerunJobs", "retryJobs", "pauseJobs", "playJobs", "stopJobs", "unlockJobs"]) {
    add(mutation, filterOf(mutation), jobForms);
    add(`${mutation} query`, queryOf(mutation, "JobQueryInput"), EMPTY_JOB_QUERIES, "q");
  }
  const flowForms = [...EMPTY_FILTERS, ...EVERY_FLOW];
  for (const mutation of ["deleteFlows", "unlockFlows"]) {
    add(mutation, filterOf(mutation), flowForms);
    add(`${mutation} query`, queryOf(mutation, "FlowQueryInput"), EMPTY_FLOW_QUERIES, "q");
  }
  const scaleForms = [...EMPTY_FILTERS, ...EVERY_SCALE_JOB];
  add("requeueJobs", filterOf("requeueJobs"), scaleForms);
  add("cancelQueuedJobs", filterOf("cancelQueuedJobs"), scaleForms);
  // Both a filter and a named query, each empty.
  out.push({
    label: "deleteJobs filter {} + query {metadata: {}}",
    query: `mutation($f: Filter, $q: JobQueryInput) { deleteJobs(filter: $f, query: $q, maxLimit: 0) { __typename } }`,
    variables: { f: { $comment: "all" }, q: { metadata: {} } },
  });
  return out;
}

describe.each(DIALECTS)("match-everything selections on %s", (dialect) => {
  let server: HostileServer;
  let before: string;

  beforeAll(async () => {
    server = await startHostileServer(dialect);
    await addTaskRecords(server, 20);
    const flow = await addFlow(server, "victim", 4, (i) => (i > 0 ? [0] : []));
    await server.ok(`mutation($db: String) { lockJob(dbId: $db, holder: "w", ttlSeconds: 600) { expiresAt } }`, {
      db: flow.dbIds[1],
    });
    const type = await server.ok<{ createJobType: { id: number } }>(
      `mutation { createJobType(input: {name: "t", version: "1"}) { id } }`,
    );
    await server.ok(`mutation($jobs: [ScaleJobInput!]!) { createScaleJobs(jobs: $jobs, queue: true) { id } }`, {
      jobs: Array.from({ length: 3 }, () => ({ jobTypeId: type.createJobType.id })),
    });
    before = await server.snapshot();
  }, 60_000);
  afterAll(() => server?.close());

  it("refuses every normalised-to-nothing selection of every bulk mutation like {}, changing nothing", async () => {
    const all = cases();
    expect(all.length).toBeGreaterThan(150);
    for (const { label, query, variables } of all) {
      const error = expectRefused(await server.post(query, variables, "admin"), "BAD_USER_INPUT", undefined, label);
      expect(error.message, label).toMatch(/no condition|Say what to|all: true|name what to/);
    }
    expect(await server.snapshot()).toBe(before);
  });

  it("still acts on a real condition, and on everything only with all: true", async () => {
    const some = await server.post(
      `mutation { purgeTaskRecords(filter: "{\\"msg_id\\": \\"t-1\\"}", force: true, dryRun: true) { count } }`,
    );
    expect(some.body, JSON.stringify(some.body)).toEqual({ data: { purgeTaskRecords: { count: 1 } } });
    const everything = await server.post(
      `mutation { purgeTaskRecords(all: true, force: true, dryRun: true) { count } }`,
    );
    expect(everything.body.data).toEqual({ purgeTaskRecords: { count: 20 } });
    expect(await server.snapshot()).toBe(before);
  });
});
