import { randomUUID } from "node:crypto";

import type { Executor } from "../../db/database";
import { isUniqueViolation } from "../../db/driver-errors";
import { instantNow } from "../../dialect";
import { badInput, limitExceeded } from "../../errors";
import { checkMatched, resolveSelection, type SelectionArgs } from "../shared/selection";
import { inList, insertRows, query, run, TABLES, TRUE, selectRows } from "../sql";
import { validateFlowDocument } from "./flow-document";
import { type FlowInput, type FlowQuery, type FlowRow, type JobRow, type LockOptions } from "./jobflow.model";
import { type NewJob, newJobRow, readNewJobs, resolveParents } from "./new-jobs";
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
    const { jobs, parents, flowUuid } = validateFlow(input, this.store);
    try {
      return await this.store.write(async (tx, now) => {
        const first = await nextDbIds(tx, jobs.length);
        const flow: FlowRow = {
          uuid: flowUuid,
          name: input.name,
          state: "READY", // §1.2: a new flow is always READY (it has at least one root job: cycles are rejected)
          metadata: input.metadata ?? {},
          documentJson: input.documentJson ?? null,
          ...NO_LEASE,
          createdOn: now,
          updatedOn: now,
        };
        await insertRows(tx, { table: TABLES.flows, codec: this.store.flows, rows: [flow] });
        const rows = jobs.map((job, i) =>
          newJobRow(job, parents[i] as string[], flowUuid, first + i, this.store.project.dbIdPrefix, now),
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

/**
 * Checks a flow before anything is written (docs/flows-and-jobs.md, "jobflow documents"): names, the jobs (documents or the old form), parents inside
 * the flow without a cycle, references to jobs of the flow unless external ones are allowed, the flow document.
 */
function validateFlow(
  input: FlowInput,
  store: JobflowStore,
): { jobs: NewJob[]; parents: string[][]; flowUuid: string } {
  if (!input.name) throw badInput("a flow needs a name", "flow");
  if (input.jobs.length === 0) throw badInput("a flow needs at least one job", "flow");
  if (input.jobs.length > store.ctx.limits.maxBatchSize) {
    throw limitExceeded(`a flow may have at most ${store.ctx.limits.maxBatchSize} jobs (HUBQL_MAX_BATCH_SIZE)`, {
      maximum: store.ctx.limits.maxBatchSize,
    });
  }
  const documents = input.jobs.some((job) => job.documentJson !== null && job.documentJson !== undefined);
  if ((documents || input.documentJson) && !input.uuid)
    throw badInput("flow.uuid is required when the flow or its jobs have documents", "flow.uuid");
  const flowUuid = input.uuid ?? randomUUID();
  const jobs = readNewJobs(input.jobs, { argument: "flow.jobs", flowUuid, defaults: input, project: store.project });
  const parents = resolveParents(jobs, "flow.jobs", { kind: "flow" });
  if (!input.allowExternalReferences) {
    const uuids = new Set(jobs.map((job) => job.uuid));
    const missing = [...new Set(jobs.flatMap((job) => [...job.references]))].filter((uuid) => !uuids.has(uuid));
    if (missing.length > 0) {
      // jobflow's get_flow wording, with hubql's argument name.
      throw badInput(
        `The following jobs were not found in the jobs array and are needed to resolve output references: ${JSON.stringify(missing)}. If the references are from external jobs and this is the intended behavior set allowExternalReferences to true`,
        "flow.jobs",
      );
    }
  }
  if (input.documentJson !== null && input.documentJson !== undefined)
    validateFlowDocument(input.documentJson, flowUuid, jobs, "flow.documentJson");
  return { jobs, parents, flowUuid };
}
