import type { Executor } from "../../db/database";
import { JOB_TYPE_TABLE } from "../../db/entities/job-type.entity";
import { QUEUE_TABLE } from "../../db/entities/queue-entry.entity";
import { SCALE_JOB_TABLE } from "../../db/entities/scale-job.entity";
import { RowCodec } from "../../db/row-codec";
import { badInput, limitExceeded } from "../../errors";
import type { SqlCondition } from "../../filter/types";
import type { ServiceContext } from "../service-context";
import { cancelSkip, effectivePriority, firstQueueSkip, requeueDecision, requiredResources } from "./job-rules";
import {
  JOB_TYPE_CATALOGUE,
  type JobQueueOutcome,
  type JobReference,
  type JobSelection,
  type JobTypeRow,
  QUEUE_ENTRY_CATALOGUE,
  QUEUE_ENTRY_FIELDS,
  type QueueEntryRow,
  type QueueOperationResult,
  SCALE_JOB_CATALOGUE,
  type ScaleJobRow,
} from "./queue.model";
import { insertRows } from "./sql";

/** A job about to be queued, with what its queue entry will say. */
interface QueuePlan {
  readonly job: ScaleJobRow;
  readonly jobType: JobTypeRow;
  readonly priority: number;
}

type Mode = "first" | "requeue";

/**
 * Queue, requeue and cancel (scale-queue.md §3.3–3.6). Each call is one transaction that first locks the jobs it
 * acts on (`FOR UPDATE`, ascending id as Scale does; SQLite has one writer), decides per job with the pure rules of
 * job-rules.ts, then writes with a bounded number of set-based statements. Ineligible jobs are reported with a
 * reason instead of being skipped silently.
 */
export class QueueJobsService {
  private readonly jobs: RowCodec;
  private readonly types: RowCodec;
  private readonly entries: RowCodec;

  constructor(private readonly ctx: ServiceContext) {
    this.jobs = new RowCodec(SCALE_JOB_CATALOGUE, ctx.dialect);
    this.types = new RowCodec(JOB_TYPE_CATALOGUE, ctx.dialect);
    this.entries = new RowCodec(QUEUE_ENTRY_CATALOGUE, ctx.dialect);
  }

  /** First queue (§3.3, requeue=false): PENDING/BLOCKED, never queued, with input, not superseded. */
  async queueJobs(
    jobs: readonly JobReference[],
    priority: number | null | undefined,
    dryRun = false,
  ): Promise<QueueOperationResult> {
    validatePriority(priority);
    const selection = { jobs, dryRun };
    return this.withSelection(selection, "queueJobs", async (tx, locked, refs) => {
      const now = new Date();
      const typesById = await this.jobTypes(tx, locked);
      const plans: QueuePlan[] = [];
      const outcomes = refs.map((ref): JobQueueOutcome => {
        const job = locked.get(ref.jobId);
        if (!job) return skipped(ref.jobId, "NOT_FOUND");
        const reason = firstQueueSkip(job, ref.exeNum);
        if (reason) return skipped(job.id, reason);
        return this.plan(plans, job, typesById, priority);
      });
      if (!dryRun) await this.queuePlans(tx, plans, "first", now);
      return outcomes;
    });
  }

  /**
   * A user requeue (§3.4): requeue what `can_be_requeued` (resetting max_tries to num_exes + the type's max_tries),
   * uncancel CANCELED jobs that never ran (→ PENDING), report the rest.
   */
  async requeueJobs(selection: JobSelection, priority: number | null | undefined): Promise<QueueOperationResult> {
    validatePriority(priority);
    return this.withSelection(selection, "requeueJobs", async (tx, locked, refs) => {
      const now = new Date();
      const typesById = await this.jobTypes(tx, locked);
      const plans: QueuePlan[] = [];
      const uncancel: number[] = [];
      const outcomes = refs.map((ref): JobQueueOutcome => {
        const job = locked.get(ref.jobId);
        if (!job) return skipped(ref.jobId, "NOT_FOUND");
        const decision = requeueDecision(job, ref.exeNum);
        if (decision.action === "SKIP") return skipped(job.id, decision.reason);
        if (decision.action === "UNCANCEL") {
          uncancel.push(job.id);
          return { jobId: job.id, action: "UNCANCELED", reason: null, exeNum: null, priority: null };
        }
        return this.plan(plans, job, typesById, priority);
      });
      if (!selection.dryRun) {
        await this.queuePlans(tx, plans, "requeue", now);
        await this.uncancel(tx, uncancel, now);
      }
      return outcomes;
    });
  }

  /**
   * Cancel (§3.6, the `cancel_jobs` message): jobs that `can_be_canceled` become CANCELED and every queue entry of
   * theirs is flagged `is_canceled` — kept, not deleted, until a scheduler claims it.
   */
  async cancelJobs(selection: JobSelection): Promise<QueueOperationResult> {
    return this.withSelection(selection, "cancelQueuedJobs", async (tx, locked, refs) => {
      const now = new Date();
      const canceled: number[] = [];
      const outcomes = refs.map((ref): JobQueueOutcome => {
        const job = locked.get(ref.jobId);
        if (!job) return skipped(ref.jobId, "NOT_FOUND");
        const reason = cancelSkip(job);
        if (reason) return skipped(job.id, reason);
        canceled.push(job.id);
        return { jobId: job.id, action: "CANCELED", reason: null, exeNum: null, priority: null };
      });
      if (!selection.dryRun && canceled.length > 0) {
        await tx.run(
          `UPDATE "${SCALE_JOB_TABLE}" SET "status" = 'CANCELED', "error_category" = NULL, "node" = NULL,
             "last_status_change" = :now, "last_modified" = :now WHERE "id" IN (:...ids)`,
          { ids: canceled, now: this.jobs.encode("lastModified", now) },
        );
        await this.flagEntriesCanceled(tx, canceled);
      }
      return outcomes;
    });
  }

  /** Queues freshly created jobs inside the creating transaction (`queue_new_job_v6`, §3.7). */
  async queueCreated(tx: Executor, created: readonly ScaleJobRow[]): Promise<void> {
    const typesById = await this.jobTypes(tx, new Map(created.map((job) => [job.id, job])));
    const plans: QueuePlan[] = [];
    for (const job of created) if (!firstQueueSkip(job)) this.plan(plans, job, typesById, null);
    await this.queuePlans(tx, plans, "first", new Date());
  }

  private plan(
    plans: QueuePlan[],
    job: ScaleJobRow,
    typesById: Map<number, JobTypeRow>,
    priority: number | null | undefined,
  ): JobQueueOutcome {
    const jobType = typesById.get(job.jobTypeId)!;
    const entryPriority = effectivePriority(priority, job, jobType);
    plans.push({ job, jobType, priority: entryPriority });
    return { jobId: job.id, action: "QUEUED", reason: null, exeNum: job.numExes + 1, priority: entryPriority };
  }

  /**
   * §3.3 steps 3–7 for every planned job at once: the jobs become QUEUED with num_exes + 1 (and, on a requeue,
   * max_tries = old num_exes + the type's max_tries, §3.4 — SET reads pre-update values), every existing entry of
   * theirs is flagged canceled, then one new live entry per job is inserted with one shared `queued` time.
   */
  private async queuePlans(tx: Executor, plans: readonly QueuePlan[], mode: Mode, now: Date): Promise<void> {
    if (plans.length === 0) return;
    const ids = plans.map((plan) => plan.job.id);
    const resetTries =
      mode === "requeue"
        ? `"max_tries" = "num_exes" + (SELECT jt."max_tries" FROM "${JOB_TYPE_TABLE}" jt WHERE jt."id" = "${SCALE_JOB_TABLE}"."job_type_id"), `
        : "";
    await tx.run(
      `UPDATE "${SCALE_JOB_TABLE}" SET ${resetTries}"status" = 'QUEUED', "node" = NULL, "error_category" = NULL,
         "queued" = :now, "started" = NULL, "ended" = NULL, "last_status_change" = :now,
         "num_exes" = "num_exes" + 1, "last_modified" = :now
       WHERE "id" IN (:...ids)`,
      { ids, now: this.jobs.encode("lastModified", now) },
    );
    await this.flagEntriesCanceled(tx, ids);
    const entries = plans.map(({ job, jobType, priority }): Omit<QueueEntryRow, "id"> => {
      const inputFileSize = job.inputFileSize ?? 0;
      return {
        jobTypeId: job.jobTypeId,
        jobId: job.id,
        recipeId: job.recipeId,
        batchId: job.batchId,
        exeNum: job.numExes + 1,
        inputFileSize,
        isCanceled: false,
        priority,
        timeout: jobType.timeout,
        interface: jobType.manifest,
        configuration: { ...jobType.configuration, ...(job.configuration ?? {}), priority },
        resources: requiredResources(jobType, inputFileSize),
        created: now,
        queued: now,
        dockerImage: jobType.dockerImage,
      };
    });
    const properties = QUEUE_ENTRY_FIELDS.filter((field) => field !== "id");
    await insertRows(tx, QUEUE_TABLE, this.entries, properties, entries);
  }

  /** `can_be_uncanceled` jobs go back to PENDING (§3.4); hubql runs no recipe step after it. */
  private async uncancel(tx: Executor, ids: readonly number[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await tx.run(
      `UPDATE "${SCALE_JOB_TABLE}" SET "status" = 'PENDING', "last_status_change" = :now, "last_modified" = :now
       WHERE "id" IN (:...ids)`,
      { ids, now: this.jobs.encode("lastModified", now) },
    );
  }

  private async flagEntriesCanceled(tx: Executor, jobIds: readonly number[]): Promise<void> {
    await tx.run(
      `UPDATE "${QUEUE_TABLE}" SET "is_canceled" = TRUE WHERE "job_id" IN (:...ids) AND "is_canceled" = FALSE`,
      {
        ids: jobIds,
      },
    );
  }

  private async jobTypes(tx: Executor, jobs: ReadonlyMap<number, ScaleJobRow>): Promise<Map<number, JobTypeRow>> {
    const ids = [...new Set([...jobs.values()].map((job) => job.jobTypeId))];
    if (ids.length === 0) return new Map();
    const rows = await tx.query(
      `SELECT ${this.types.selectList()} FROM "${JOB_TYPE_TABLE}" t WHERE t."id" IN (:...ids)`,
      { ids },
    );
    return new Map(rows.map((raw) => this.types.decode<JobTypeRow>(raw)).map((row) => [row.id, row]));
  }

  /**
   * Resolves a selection to locked job rows and the references to answer for — named jobs in the order given, or
   * filter/all matches by id descending (Scale's bulk order, §3.4) — inside one transaction, then runs `work`.
   */
  private async withSelection(
    selection: JobSelection,
    operation: string,
    work: (tx: Executor, locked: Map<number, ScaleJobRow>, refs: readonly JobReference[]) => Promise<JobQueueOutcome[]>,
  ): Promise<QueueOperationResult> {
    const db = this.ctx.requireDb();
    const target = this.target(selection, operation);
    const cap = Math.min(selection.maxLimit ?? Infinity, this.ctx.limits.maxBatchSize);
    if (target.kind === "jobs" && target.refs.length > cap)
      throw this.tooMany(operation, selection, target.refs.length);
    if (target.kind === "jobs" && target.refs.length === 0) return { dryRun: Boolean(selection.dryRun), outcomes: [] };
    const outcomes = await db.transaction(async (tx) => {
      const where =
        target.kind === "jobs"
          ? { sql: `t."id" IN (:...ids)`, params: { ids: target.refs.map((ref) => ref.jobId) } }
          : target.where;
      const rows = await this.lockJobs(tx, where, target.kind === "jobs" ? null : cap + 1);
      if (target.kind === "where" && rows.length > cap) throw this.tooMany(operation, selection, null);
      const locked = new Map(rows.map((row) => [row.id, row]));
      const refs = target.kind === "jobs" ? target.refs : [...rows].reverse().map((row) => ({ jobId: row.id }));
      return work(tx, locked, refs);
    });
    return { dryRun: Boolean(selection.dryRun), outcomes };
  }

  private target(
    selection: JobSelection,
    operation: string,
  ): { kind: "jobs"; refs: readonly JobReference[] } | { kind: "where"; where: SqlCondition } {
    const { jobs, filter, all, maxLimit } = selection;
    if (maxLimit !== null && maxLimit !== undefined && (!Number.isInteger(maxLimit) || maxLimit < 0)) {
      throw badInput("maxLimit must be a non-negative integer", "maxLimit");
    }
    const emptyFilter =
      filter === undefined || filter === null || (typeof filter === "object" && Object.keys(filter).length === 0);
    if (jobs) {
      if (!emptyFilter || all) throw badInput(`${operation} takes either jobs or filter/all, not both`, "jobs");
      validateReferences(jobs);
      return { kind: "jobs", refs: jobs };
    }
    if (all) {
      if (!emptyFilter) throw badInput(`${operation}: all: true acts on every job; leave the filter out`, "all");
      return { kind: "where", where: { sql: "1=1", params: {} } };
    }
    if (emptyFilter) {
      throw badInput(
        `${operation} refuses a missing or empty filter; name jobs, give a filter, or pass all: true`,
        "filter",
      );
    }
    return { kind: "where", where: this.ctx.where(filter, SCALE_JOB_CATALOGUE) };
  }

  /** Locks in ascending id order (as Scale does) so two concurrent bulk calls cannot deadlock. */
  private async lockJobs(tx: Executor, where: SqlCondition, limit: number | null): Promise<ScaleJobRow[]> {
    const rows = await tx.query(
      `SELECT ${this.jobs.selectList()} FROM "${SCALE_JOB_TABLE}" t WHERE ${where.sql} ORDER BY t."id"
       ${limit === null ? "" : "LIMIT :lockLimit"} ${tx.dialect === "postgres" ? "FOR UPDATE" : ""}`,
      { ...where.params, ...(limit === null ? {} : { lockLimit: limit }) },
    );
    return rows.map((row) => this.jobs.decode<ScaleJobRow>(row));
  }

  private tooMany(operation: string, selection: JobSelection, count: number | null) {
    const maxLimit = selection.maxLimit ?? null;
    const cap = Math.min(maxLimit ?? Infinity, this.ctx.limits.maxBatchSize);
    const matched = count === null ? `more than ${cap} jobs match` : `${count} jobs are named`;
    const guard =
      maxLimit !== null && maxLimit <= this.ctx.limits.maxBatchSize
        ? `maxLimit ${maxLimit}`
        : `HUBQL_MAX_BATCH_SIZE ${cap}`;
    return limitExceeded(`${operation}: ${matched}, over ${guard}; nothing was changed`, { maximum: cap });
  }
}

function skipped(jobId: number, reason: JobQueueOutcome["reason"]): JobQueueOutcome {
  return { jobId, action: "SKIPPED", reason, exeNum: null, priority: null };
}

function validatePriority(priority: number | null | undefined): void {
  if (priority !== null && priority !== undefined && (!Number.isInteger(priority) || priority < 0)) {
    throw badInput("priority must be an integer ≥ 1 (0 or null: use the job's own priority)", "priority");
  }
}

function validateReferences(jobs: readonly JobReference[]): void {
  const seen = new Set<number>();
  jobs.forEach((ref, index) => {
    if (seen.has(ref.jobId)) throw badInput(`jobs[${index}] names job ${ref.jobId} twice`, "jobs", { index });
    seen.add(ref.jobId);
    if (ref.exeNum !== null && ref.exeNum !== undefined && (!Number.isInteger(ref.exeNum) || ref.exeNum < 0)) {
      throw badInput(`jobs[${index}].exeNum must be a non-negative integer`, "jobs", { index });
    }
  });
}
