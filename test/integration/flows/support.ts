/**
 * Drives flows and jobs through the GraphQL API the way jobflow-remote's tests drive the JobController: flows are
 * written with job names, parents named by job name; `run` plays a runner (checkout → steps → complete).
 */
import { randomUUID } from "node:crypto";

import { DEFAULT_JOBFLOW, type JobflowConfig } from "../../../src/config";
import type { Dialect } from "../../../src/dialect";
import { startTestGateway, type GqlResult, type TestGateway } from "../../support/gateway";

export const JOB_FIELDS = `dbId uuid index name state previousState error stepAttempts retryTimeLimit remoteError worker execConfig resources
  priority metadata output storedData runDir processId startTime endTime updatedOn lockId lockHolder isLocked parentUuids flowUuid`;

export interface JobView {
  dbId: string;
  uuid: string;
  index: number;
  name: string;
  state: string;
  previousState: string | null;
  error: string | null;
  stepAttempts: number;
  retryTimeLimit: string | null;
  remoteError: string | null;
  worker: string | null;
  execConfig: unknown;
  resources: Record<string, unknown> | null;
  priority: number;
  metadata: Record<string, unknown>;
  output: unknown;
  storedData: unknown;
  runDir: string | null;
  processId: string | null;
  startTime: string | null;
  endTime: string | null;
  updatedOn: string;
  lockId: string | null;
  lockHolder: string | null;
  isLocked: boolean;
  parentUuids: string[];
  flowUuid: string;
}

export interface FlowView {
  uuid: string;
  name: string;
  state: string;
  updatedOn: string;
  jobUuids: string[];
  ids: { dbId: string; uuid: string; index: number }[];
  parents: Record<string, Record<string, string[]>>;
}

export interface JobSpec {
  readonly name: string;
  readonly parents?: readonly string[];
  /** Enclosing sub-flow uuids, innermost first. */
  readonly hosts?: readonly string[];
  readonly metadata?: Record<string, unknown>;
  readonly onMissingReferences?: string;
  readonly worker?: string;
  readonly priority?: number;
}

export interface AddedFlow {
  readonly uuid: string;
  /** job name → uuid */
  readonly uuids: Record<string, string>;
  /** job name → db id of index 1 */
  readonly dbIds: Record<string, string>;
}

export type Selection = Record<string, unknown>;

export class JobflowDriver {
  constructor(readonly gw: TestGateway) {}

  static async start(dialect: Dialect, jobflow: Partial<JobflowConfig> = {}): Promise<JobflowDriver> {
    return new JobflowDriver(await startTestGateway(dialect, {}, { jobflow: { ...DEFAULT_JOBFLOW, ...jobflow } }));
  }

  close(): Promise<void> {
    return this.gw.close();
  }

  async addFlow(name: string, jobs: readonly JobSpec[], extra: Record<string, unknown> = {}): Promise<AddedFlow> {
    const uuids = Object.fromEntries(jobs.map((job) => [job.name, `${job.name}-${randomUUID()}`]));
    const flowUuid = (extra["uuid"] as string | undefined) ?? `flow-${randomUUID()}`;
    const data = await this.gw.ok<{ addFlow: { uuid: string; ids: { dbId: string; uuid: string }[] } }>(
      `mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid ids { dbId uuid } } }`,
      {
        flow: {
          ...extra,
          uuid: flowUuid,
          name,
          jobs: jobs.map((job) => ({
            ...job,
            uuid: uuids[job.name],
            parents: (job.parents ?? []).map((parent) => uuids[parent]),
          })),
        },
      },
    );
    const byUuid = new Map(data.addFlow.ids.map((id) => [id.uuid, id.dbId]));
    return {
      uuid: data.addFlow.uuid,
      uuids,
      dbIds: Object.fromEntries(jobs.map((job) => [job.name, byUuid.get(uuids[job.name] as string) as string])),
    };
  }

  async job(dbId: string): Promise<JobView> {
    const data = await this.gw.ok<{ job: JobView | null }>(
      `query($dbId: String) { job(dbId: $dbId) { ${JOB_FIELDS} } }`,
      { dbId },
    );
    if (!data.job) throw new Error(`no job ${dbId}`);
    return data.job;
  }

  async jobByUuid(uuid: string, index?: number): Promise<JobView | null> {
    const data = await this.gw.ok<{ job: JobView | null }>(
      `query($uuid: String, $index: Int) { job(uuid: $uuid, index: $index) { ${JOB_FIELDS} } }`,
      { uuid, index },
    );
    return data.job;
  }

  async state(dbId: string): Promise<string> {
    return (await this.job(dbId)).state;
  }

  async flow(uuid: string): Promise<FlowView> {
    const data = await this.gw.ok<{ flow: FlowView | null }>(
      `query($uuid: ID!) { flow(uuid: $uuid) { uuid name state updatedOn jobUuids ids { dbId uuid index } parents } }`,
      { uuid },
    );
    if (!data.flow) throw new Error(`no flow ${uuid}`);
    return data.flow;
  }

  async countJobs(query: Record<string, unknown> = {}, filter?: Record<string, unknown>): Promise<number> {
    return (
      await this.gw.ok<{ countJobs: number }>(
        `query($q: JobQueryInput, $f: Filter) { countJobs(query: $q, filter: $f) }`,
        { q: query, f: filter },
      )
    ).countJobs;
  }

  async countFlows(query: Record<string, unknown> = {}, filter?: Record<string, unknown>): Promise<number> {
    return (
      await this.gw.ok<{ countFlows: number }>(
        `query($q: FlowQueryInput, $f: Filter) { countFlows(query: $q, filter: $f) }`,
        { q: query, f: filter },
      )
    ).countFlows;
  }

  /** checkoutJob restricted to one job (a runner picking exactly this one). */
  async checkout(dbId: string): Promise<JobView | null> {
    const data = await this.gw.ok<{ checkoutJob: JobView | null }>(
      `mutation($q: JobQueryInput) { checkoutJob(query: $q) { ${JOB_FIELDS} } }`,
      { q: { dbIds: [dbId] } },
    );
    return data.checkoutJob;
  }

  step(dbId: string, args: Record<string, unknown>): Promise<GqlResult<{ reportJobStep: JobView }>> {
    const names = Object.keys(args);
    const types: Record<string, string> = {
      success: "Boolean!",
      to: "JobState",
      error: "String",
      noRetry: "Boolean",
      runDir: "String",
      processId: "String",
      queueState: "String",
      maxStepAttempts: "Int",
      deltaRetrySeconds: "[Float!]",
      lockId: "String",
      wait: "Float",
    };
    const decl = names.map((name) => `$${name}: ${types[name]}`).join(", ");
    const pass = names.map((name) => `${name}: $${name}`).join(", ");
    return this.gw.gql(
      `mutation($dbId: String${decl ? `, ${decl}` : ""}) { reportJobStep(dbId: $dbId, ${pass}) { ${JOB_FIELDS} } }`,
      { dbId, ...args },
    );
  }

  complete(
    dbId: string,
    success: boolean,
    extra: Record<string, unknown> = {},
  ): Promise<GqlResult<{ completeJob: JobView }>> {
    return this.gw.gql(
      `mutation($dbId: String, $success: Boolean!, $error: String, $response: JobResponseInput, $lockId: String) {
        completeJob(dbId: $dbId, success: $success, error: $error, response: $response, lockId: $lockId) { ${JOB_FIELDS} } }`,
      { dbId, success, ...extra },
    );
  }

  /** A runner's full pass over one READY job: every step of §8 for a remote worker, then completion. */
  async run(
    dbId: string,
    outcome: { success?: boolean; response?: Record<string, unknown>; error?: string } = {},
  ): Promise<JobView> {
    const picked = await this.checkout(dbId);
    if (!picked) throw new Error(`job ${dbId} could not be checked out (state ${await this.state(dbId)})`);
    for (const args of [
      { to: "UPLOADED", runDir: `/work/${dbId}` },
      { to: "SUBMITTED", processId: `q-${dbId}` },
      { to: "RUNNING" },
      { to: "TERMINATED" },
      { to: "DOWNLOADED" },
    ]) {
      const result = await this.step(dbId, { success: true, ...args });
      if (result.errors) throw new Error(JSON.stringify(result.errors));
    }
    const done = await this.complete(dbId, outcome.success ?? true, {
      ...(outcome.response ? { response: outcome.response } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    if (done.errors) throw new Error(JSON.stringify(done.errors));
    return (done.data as { completeJob: JobView }).completeJob;
  }

  /** A bulk operation (rerunJobs, pauseJobs, …) with selection and options as variables. */
  bulk(
    mutation: string,
    args: Record<string, unknown>,
  ): Promise<GqlResult<Record<string, { dbIds: string[]; matched: number; dryRun: boolean }>>> {
    const types: Record<string, string> = {
      filter: "Filter",
      query: "JobQueryInput",
      all: "Boolean",
      dryRun: "Boolean",
      maxLimit: "Int",
      wait: "Float",
      breakLock: "Boolean",
      lockId: "String",
      force: "Boolean",
      state: "JobState!",
      worker: "String",
      execConfig: "JSON",
      resources: "JSONObject",
      priority: "Int",
      update: "Boolean",
    };
    const names = Object.keys(args);
    const decl = names.map((name) => `$${name}: ${types[name]}`).join(", ");
    const pass = names.map((name) => `${name}: $${name}`).join(", ");
    return this.gw.gql(
      `mutation${decl ? `(${decl})` : ""} { ${mutation}${pass ? `(${pass})` : ""} { dbIds matched dryRun } }`,
      args,
    );
  }

  /** Like bulk but fails the test on errors; returns the changed db ids. */
  async ok(mutation: string, args: Record<string, unknown>): Promise<string[]> {
    const result = await this.bulk(mutation, args);
    if (result.errors?.length) throw new Error(`${mutation}: ${JSON.stringify(result.errors)}`);
    return (result.data?.[mutation] as { dbIds: string[] }).dbIds;
  }

  async lockJob(
    dbId: string,
    holder = "external",
    extra: Record<string, unknown> = {},
  ): Promise<GqlResult<{ lockJob: { lockId: string; holder: string; lockedSince: string; expiresAt: string } }>> {
    return this.gw.gql(
      `mutation($dbId: String, $holder: String!, $ttl: Float, $wait: Float, $breakLock: Boolean) {
        lockJob(dbId: $dbId, holder: $holder, ttlSeconds: $ttl, wait: $wait, breakLock: $breakLock) { lockId holder lockedSince expiresAt jobDbId } }`,
      { dbId, holder, ...extra },
    );
  }

  async lockFlow(
    uuid: string,
    holder = "external",
    extra: Record<string, unknown> = {},
  ): Promise<GqlResult<{ lockFlow: { lockId: string } }>> {
    return this.gw.gql(
      `mutation($uuid: ID!, $holder: String!, $ttl: Float, $wait: Float, $breakLock: Boolean) {
        lockFlow(uuid: $uuid, holder: $holder, ttlSeconds: $ttl, wait: $wait, breakLock: $breakLock) { lockId holder lockedSince expiresAt flowUuid } }`,
      { uuid, holder, ...extra },
    );
  }

  async release(lockId: string): Promise<boolean> {
    return (
      await this.gw.ok<{ releaseLock: boolean }>(`mutation($id: ID!) { releaseLock(lockId: $id) }`, { id: lockId })
    ).releaseLock;
  }
}

export function errorOf(result: GqlResult<unknown>): {
  message: string;
  code: unknown;
  extensions: Record<string, unknown>;
} {
  const error = result.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(result.data)}`);
  return { message: error.message, code: error.extensions?.["code"], extensions: error.extensions ?? {} };
}

export const byIds = (...ids: string[]) => ({ query: { dbIds: ids } });
export const byJob = (uuid: string, index?: number) => ({
  query: { jobIds: [{ uuid, ...(index === undefined ? {} : { index }) }] },
});
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
