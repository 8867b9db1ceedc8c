import { isUniqueViolation } from "../../db/driver-errors";
import { randomUUID } from "node:crypto";

import type { Executor } from "../../db/database";
import type { RowCodec } from "../../db/row-codec";
import { badInput, limitExceeded } from "../../errors";
import {
  type FlowInput,
  type FlowQuery,
  type FlowRow,
  type JobInput,
  type JobRow,
  type LockOptions,
  ON_MISSING_REFERENCES,
} from "./model";
import { checkExecConfig, checkWorker } from "./project";
import { flowCondition, selectsNothingExplicitly } from "./query";
import type { JobflowStore } from "./store";

/** Rows per INSERT: 32 columns × 200 stays below both dialects' bound-parameter limits. */
const INSERT_CHUNK = 200;
/** delete_flows' default max_limit (§5). */
export const DELETE_FLOWS_DEFAULT_MAX_LIMIT = 10;

export interface FlowSelection {
  readonly filter?: unknown;
  readonly query?: FlowQuery | null;
  readonly all?: boolean | null;
  readonly dryRun?: boolean | null;
  readonly maxLimit?: number | null;
}

export interface DeleteFlowsResult {
  readonly flowUuids: string[];
  readonly deletedJobs: number;
  readonly matched: number;
  readonly dryRun: boolean;
}

/** add_flow, delete_flows and the batch-process registry (jobflow-remote.md §3.4, §6.13, §6.16). */
export class FlowSubmission {
  constructor(private readonly store: JobflowStore) {}

  /**
   * Inserts a flow and its jobs in one transaction. db ids come from the counter row, incremented by the number of
   * jobs in the same transaction (`UPDATE … RETURNING`), so concurrent addFlow calls on several gateways get disjoint
   * consecutive ranges and a failed insert consumes none.
   */
  async addFlow(input: FlowInput): Promise<{ flowUuid: string; dbIds: string[] }> {
    const jobs = validateFlow(input, this.store);
    const flowUuid = input.uuid ?? randomUUID();
    try {
      return await this.store.write(async (tx, now) => {
        const counter = await tx.query<{ next: number | string }>(
          `UPDATE "jobflow_counters" SET "next" = "next" + :n WHERE "name" = 'job_db_id' RETURNING "next"`,
          { n: jobs.length },
        );
        const first = Number(counter[0]?.next) - jobs.length;
        const flow: FlowRow = {
          uuid: flowUuid,
          name: input.name,
          state: "READY", // §1.2: a new flow is always READY (it has at least one root job: cycles are rejected)
          metadata: input.metadata ?? {},
          lockId: null,
          lockHolder: null,
          lockTime: null,
          lockExpires: null,
          createdOn: now,
          updatedOn: now,
        };
        await insertRows(tx, "flows", this.store.flows, [flow]);
        const rows: JobRow[] = jobs.map((job, i) =>
          newJobRow(job, input, flowUuid, first + i, this.store.project.dbIdPrefix, now),
        );
        await insertRows(tx, "jobs", this.store.jobs, rows);
        await insertParents(tx, rows);
        return { flowUuid, dbIds: rows.map((row) => row.dbId) };
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        // §3.4 / scenario 27: the flow or one of its job uuids exists already; nothing was written.
        throw badInput(
          `A duplicate key error happened while inserting the flow ${flowUuid}: the flow or one of its jobs exists already; nothing was added`,
          "flow",
        );
      }
      throw error;
    }
  }

  /** delete_flows (§6.13): the flows and every job row of them, all or nothing, guarded by maxLimit (default 10). */
  async deleteFlows(selection: FlowSelection, lock: LockOptions = {}): Promise<DeleteFlowsResult> {
    if (!selection.all && selectsNothingExplicitly(selection.filter, selection.query)) {
      throw badInput("deleteFlows needs a filter or named flows; pass all: true to delete every flow", "all");
    }
    const maxLimit = selection.maxLimit ?? DELETE_FLOWS_DEFAULT_MAX_LIMIT;
    return this.store.write(async (tx, now) => {
      const where = flowCondition(this.store.ctx, selection.filter, selection.query, now);
      const matched = await tx.query<{ uuid: string }>(
        `SELECT t."uuid" AS "uuid" FROM "flows" t WHERE ${where.sql} ORDER BY t."uuid"`,
        where.params,
      );
      const uuids = matched.map((row) => row.uuid);
      if (maxLimit !== 0 && uuids.length > maxLimit) {
        throw limitExceeded(
          `Cannot delete ${uuids.length} Flows as they exceed the specified maximum limit (${maxLimit}); nothing was deleted`,
          {
            matched: uuids.length,
            maxLimit,
          },
        );
      }
      if (uuids.length === 0) return { flowUuids: [], deletedJobs: 0, matched: 0, dryRun: Boolean(selection.dryRun) };
      const jobs = await this.store.loadJobs(tx, `t."flow_uuid" IN (:...uuids)`, { uuids });
      for (const job of jobs) this.store.checkLease(job, now, lock, `Job with db_id ${job.dbId}`);
      for (const flow of await this.store.loadFlows(tx, uuids))
        this.store.checkLease(flow, now, lock, `Flow with uuid ${flow.uuid}`);
      if (!selection.dryRun) await tx.run(`DELETE FROM "flows" WHERE "uuid" IN (:...uuids)`, { uuids });
      return { flowUuids: uuids, deletedJobs: jobs.length, matched: uuids.length, dryRun: Boolean(selection.dryRun) };
    }, lock.wait);
  }

  /** add_batch_process (§6.16): upsert; returns the process uuid it replaced, if any. */
  async addBatchProcess(worker: string, processId: string, processUuid: string): Promise<string | null> {
    return this.store.write(async (tx) => {
      const before = await tx.query<{ processUuid: string }>(
        `SELECT "process_uuid" AS "processUuid" FROM "batch_processes" WHERE "worker" = :worker AND "process_id" = :processId`,
        { worker, processId },
      );
      await tx.run(
        `INSERT INTO "batch_processes" ("worker", "process_id", "process_uuid") VALUES (:worker, :processId, :processUuid)
         ON CONFLICT ("worker", "process_id") DO UPDATE SET "process_uuid" = excluded."process_uuid"`,
        { worker, processId, processUuid },
      );
      return before[0]?.processUuid ?? null;
    });
  }

  /** remove_batch_process (§6.16): returns whether the process was registered. */
  async removeBatchProcess(worker: string, processId: string): Promise<boolean> {
    const result = await this.store.db.run(
      `DELETE FROM "batch_processes" WHERE "worker" = :worker AND "process_id" = :processId`,
      { worker, processId },
    );
    return result.affected > 0;
  }
}

/** Multi-row INSERTs of whole rows (every catalogue column), in chunks that stay below the parameter limits. */
export async function insertRows(tx: Executor, table: string, codec: RowCodec, rows: readonly object[]): Promise<void> {
  const fields = codec.catalogue.fields;
  const columns = fields.map((field) => `"${field.column}"`).join(", ");
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const params: Record<string, unknown> = {};
    const values = rows.slice(start, start + INSERT_CHUNK).map((row, r) => {
      const placeholders = fields.map((field, c) => {
        params[`r${r}c${c}`] = codec.encode(field.name, (row as Record<string, unknown>)[field.name]);
        return `:r${r}c${c}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    await tx.run(`INSERT INTO "${table}" (${columns}) VALUES ${values.join(", ")}`, params);
  }
}

/** The job rows of `job_parents`, one per (child row, parent uuid). */
export async function insertParents(tx: Executor, rows: readonly Pick<JobRow, "dbId" | "parents">[]): Promise<void> {
  const links = rows.flatMap((row) => row.parents.map((parent) => [row.dbId, parent] as const));
  for (let start = 0; start < links.length; start += 500) {
    const params: Record<string, unknown> = {};
    const values = links.slice(start, start + 500).map(([child, parent], i) => {
      params[`c${i}`] = child;
      params[`p${i}`] = parent;
      return `(:c${i}, :p${i})`;
    });
    await tx.run(`INSERT INTO "job_parents" ("child_db_id", "parent_uuid") VALUES ${values.join(", ")}`, params);
  }
}

/** A new job row (§3.1): READY without parents, else WAITING; the job's run settings win over the flow's. */
export function newJobRow(
  job: JobInput & { uuid: string },
  defaults: Pick<FlowInput, "worker" | "execConfig" | "resources" | "priority">,
  flowUuid: string,
  seq: number,
  prefix: string,
  now: Date,
  index = 1,
  state?: "READY" | "WAITING",
): JobRow {
  const parents = [...new Set(job.parents ?? [])];
  return {
    dbId: `${prefix}${seq}`,
    dbSeq: seq,
    uuid: job.uuid,
    index,
    flowUuid,
    name: job.name,
    state: state ?? (parents.length === 0 ? "READY" : "WAITING"),
    worker: job.worker ?? defaults.worker ?? null,
    // §3.1: priority 0 in the job's own config counts as "unset".
    priority: job.priority || defaults.priority || 0,
    metadata: job.metadata ?? {},
    onMissingReferences: job.onMissingReferences ?? "error",
    parents,
    // jobflow's job.hosts: enclosing sub-flows innermost first, the outermost (stored) flow last.
    hosts: [...new Set([...(job.hosts ?? []).filter((host) => host !== flowUuid), flowUuid])],
    previousState: null,
    error: null,
    stepAttempts: 0,
    queueState: null,
    processId: null,
    retryTimeLimit: null,
    remoteError: null,
    runDir: null,
    startTime: null,
    endTime: null,
    execConfig: job.execConfig ?? defaults.execConfig ?? null,
    resources: job.resources ?? defaults.resources ?? null,
    storedData: null,
    output: null,
    lockId: null,
    lockHolder: null,
    lockTime: null,
    lockExpires: null,
    createdOn: now,
    updatedOn: now,
  };
}

/** Checks a flow before anything is written: names, unique uuids, parents inside the flow, no cycle, known workers. */
function validateFlow(input: FlowInput, store: JobflowStore): (JobInput & { uuid: string })[] {
  if (!input.name) throw badInput("a flow needs a name", "flow");
  if (input.jobs.length === 0) throw badInput("a flow needs at least one job", "flow");
  if (input.jobs.length > store.ctx.limits.maxBatchSize) {
    throw limitExceeded(`a flow may have at most ${store.ctx.limits.maxBatchSize} jobs (HUBQL_MAX_BATCH_SIZE)`, {
      maximum: store.ctx.limits.maxBatchSize,
    });
  }
  const jobs = input.jobs.map((job) => ({ ...job, uuid: job.uuid ?? randomUUID() }));
  validateJobs(jobs, new Set(), "flow", store, input);
  return jobs;
}

/** Shared by addFlow and dynamic responses: `external` are uuids outside `jobs` that parents may name. */
export function validateJobs(
  jobs: readonly (JobInput & { uuid: string })[],
  external: ReadonlySet<string>,
  argument: string,
  store: JobflowStore,
  defaults: Pick<FlowInput, "worker" | "execConfig">,
): void {
  const uuids = new Set<string>();
  jobs.forEach((job, i) => {
    if (!job.name) throw badInput(`jobs[${i}] needs a name`, argument);
    if (uuids.has(job.uuid)) throw badInput(`jobs[${i}] repeats uuid ${job.uuid}`, argument);
    uuids.add(job.uuid);
    if (job.onMissingReferences && !(ON_MISSING_REFERENCES as readonly string[]).includes(job.onMissingReferences)) {
      throw badInput(`jobs[${i}].onMissingReferences must be one of ${ON_MISSING_REFERENCES.join(", ")}`, argument);
    }
    const worker = job.worker ?? defaults.worker;
    if (worker) checkWorker(store.project, worker);
    checkExecConfig(store.project, job.execConfig ?? defaults.execConfig);
  });
  const parentsOf = new Map(jobs.map((job) => [job.uuid, job.parents ?? []]));
  for (const [uuid, parents] of parentsOf) {
    for (const parent of parents) {
      if (!uuids.has(parent) && !external.has(parent))
        throw badInput(`job ${uuid} names parent ${parent}, which is not a job of this flow`, argument);
    }
  }
  // Kahn's algorithm over the new jobs: whatever is left over sits on a cycle.
  const pending = new Map([...parentsOf].map(([uuid, parents]) => [uuid, parents.filter((p) => uuids.has(p)).length]));
  const queue = [...pending].filter(([, n]) => n === 0).map(([uuid]) => uuid);
  let done = 0;
  while (queue.length > 0) {
    const uuid = queue.pop() as string;
    done++;
    for (const [child, parents] of parentsOf) {
      if (parents.includes(uuid)) {
        const left = (pending.get(child) ?? 0) - 1;
        pending.set(child, left);
        if (left === 0) queue.push(child);
      }
    }
  }
  if (done !== uuids.size) throw badInput("the jobs' parents form a cycle", argument);
}
