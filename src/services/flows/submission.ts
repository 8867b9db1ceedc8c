import { randomUUID } from "node:crypto";

import type { Executor } from "../../db/database";
import { isUniqueViolation } from "../../db/driver-errors";
import { instantNow, type Instant } from "../../dialect";
import { badInput, limitExceeded } from "../../errors";
import { checkMatched, resolveSelection, type SelectionArgs } from "../shared/selection";
import { inList, insertRows, query, run, TABLES, TRUE, selectRows } from "../sql";
import {
  type FlowInput,
  type FlowQuery,
  type FlowRow,
  type JobInput,
  type JobRow,
  type LockOptions,
  ON_MISSING_REFERENCES,
} from "./jobflow.model";
import { checkExecConfig, checkWorker } from "./project";
import { flowCondition, namesAnything, prepareFlowFilter } from "./query";
import { type JobflowStore, NO_LEASE } from "./store";
/** delete_flows' default max_limit (§5). */
export const DELETE_FLOWS_DEFAULT_MAX_LIMIT = 10;

/** Which flows deleteFlows acts on: the selection contract plus jobflow-remote's named flow filters. */
export interface FlowSelection extends SelectionArgs<never> {
  readonly query?: FlowQuery | null;
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
        const first = await nextDbIds(tx, jobs.length);
        const flow: FlowRow = {
          uuid: flowUuid,
          name: input.name,
          state: "READY", // §1.2: a new flow is always READY (it has at least one root job: cycles are rejected)
          metadata: input.metadata ?? {},
          ...NO_LEASE,
          createdOn: now,
          updatedOn: now,
        };
        await insertRows(tx, { table: TABLES.flows, codec: this.store.flows, rows: [flow] });
        const rows: JobRow[] = jobs.map((job, i) =>
          newJobRow(job, input, flowUuid, first + i, this.store.project.dbIdPrefix, now),
        );
        await insertJobs(tx, this.store, rows);
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
  async deleteFlows(args: FlowSelection, lock: LockOptions = {}): Promise<DeleteFlowsResult> {
    const ctx = this.store.ctx;
    const filter = prepareFlowFilter(ctx, args.filter);
    const selection = resolveSelection<never>(args, {
      filterArguments: "filter or query",
      verb: "delete",
      noun: "Flows",
      maxIds: ctx.limits.maxBatchSize,
      defaultMaxLimit: DELETE_FLOWS_DEFAULT_MAX_LIMIT,
      filter: {
        given: filter !== null || namesAnything(args.query),
        condition: flowCondition(ctx, filter, args.query, instantNow()),
      },
    });
    const dryRun = selection.dryRun;
    return this.store.write(async (tx, now) => {
      const where = selection.target.kind === "all" ? TRUE : flowCondition(ctx, filter, args.query, now);
      const matched = await selectRows<{ uuid: string }>(tx, {
        table: TABLES.flows,
        codec: this.store.flows,
        fields: ["uuid"],
        where,
        orderBy: `t."uuid"`,
      });
      const uuids = matched.map((row) => row.uuid);
      checkMatched(selection, uuids.length);
      if (uuids.length === 0) return { flowUuids: [], deletedJobs: 0, matched: 0, dryRun };
      const jobs = await this.store.loadJobs(tx, inList(`t."flow_uuid"`, uuids));
      for (const job of jobs) this.store.checkLease(job, now, lock, `Job with db_id ${job.dbId}`);
      for (const flow of await this.store.loadFlows(tx, uuids))
        this.store.checkLease(flow, now, lock, `Flow with uuid ${flow.uuid}`);
      if (!dryRun) await run(tx, (q) => `DELETE FROM "${TABLES.flows}" WHERE ${inList(`"uuid"`, uuids).toSql(q)}`);
      return { flowUuids: uuids, deletedJobs: jobs.length, matched: uuids.length, dryRun };
    }, lock.wait);
  }

  /** add_batch_process (§6.16): upsert; returns the process uuid it replaced, if any. */
  async addBatchProcess(worker: string, processId: string, processUuid: string): Promise<string | null> {
    return this.store.write(async (tx) => {
      const before = await query<{ processUuid: string }>(
        tx,
        (q) =>
          `SELECT "process_uuid" AS "processUuid" FROM "${TABLES.batchProcesses}" WHERE "worker" = ${q.bind(worker)} AND "process_id" = ${q.bind(processId)}`,
      );
      await run(
        tx,
        (
          q,
        ) => `INSERT INTO "${TABLES.batchProcesses}" ("worker", "process_id", "process_uuid") VALUES (${q.bind(worker)}, ${q.bind(processId)}, ${q.bind(processUuid)})
         ON CONFLICT ("worker", "process_id") DO UPDATE SET "process_uuid" = excluded."process_uuid"`,
      );
      return before[0]?.processUuid ?? null;
    });
  }

  /** remove_batch_process (§6.16): returns whether the process was registered. */
  async removeBatchProcess(worker: string, processId: string): Promise<boolean> {
    const result = await run(
      this.store.db,
      (q) =>
        `DELETE FROM "${TABLES.batchProcesses}" WHERE "worker" = ${q.bind(worker)} AND "process_id" = ${q.bind(processId)}`,
    );
    return result.affected > 0;
  }
}

/**
 * `n` db ids (§3.4) from the counter row, incremented in the caller's transaction (`UPDATE … RETURNING`), so
 * concurrent callers on several gateways get disjoint consecutive ranges and a failed insert consumes none. Returns
 * the first.
 */
export async function nextDbIds(tx: Executor, n: number): Promise<number> {
  const counter = await query<{ next: number | string }>(
    tx,
    (q) =>
      `UPDATE "${TABLES.jobflowCounters}" SET "next" = "next" + ${q.bind(n)} WHERE "name" = 'job_db_id' RETURNING "next"`,
  );
  return Number(counter[0]?.next) - n;
}

/** Job rows, and their `job_parents` links. */
export async function insertJobs(tx: Executor, store: JobflowStore, rows: readonly JobRow[]): Promise<void> {
  await insertRows(tx, { table: TABLES.jobs, codec: store.jobs, rows });
  await insertParents(tx, store, rows);
}

/** The rows of `job_parents`, one per (child row, parent uuid). */
export async function insertParents(
  tx: Executor,
  store: JobflowStore,
  rows: readonly Pick<JobRow, "dbId" | "parents">[],
): Promise<void> {
  const links = rows.flatMap((row) => row.parents.map((parentUuid) => ({ childDbId: row.dbId, parentUuid })));
  await insertRows(tx, { table: TABLES.jobParents, codec: store.jobParents, rows: links });
}

/** A new job row (§3.1): READY without parents, else WAITING; the job's run settings win over the flow's. */
export function newJobRow(
  job: JobInput & { uuid: string },
  defaults: Pick<FlowInput, "worker" | "execConfig" | "resources" | "priority">,
  flowUuid: string,
  seq: number,
  prefix: string,
  now: Instant,
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
    ...NO_LEASE,
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
