import type { Executor } from "../../db/database";
import { RowCodec } from "../../db/row-codec";
import { type Instant, instantNow } from "../../dialect";
import { badInput } from "../../errors";
import { checkMatched, readLimit, resolveSelection, type Selection } from "../shared/selection";
import type { ServiceContext } from "../shared/service-context";
import { type Condition, inList, insertRows, run, selectRows, TABLES } from "../sql";
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
export class QueueOperationsService {
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
    // A first queue names its jobs (it has no filter): an empty list queues nothing and is no error.
    if (jobs.length === 0) return { dryRun, outcomes: [] };
    return this.withSelection({ jobs, dryRun }, "queueJobs", "queue", async (tx, locked, refs) => {
      const now = instantNow();
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
    return this.withSelection(selection, "requeueJobs", "requeue", async (tx, locked, refs) => {
      const now = instantNow();
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
    return this.withSelection(selection, "cancelQueuedJobs", "cancel", async (tx, locked, refs) => {
      const now = instantNow();
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
        await run(tx, (q) => {
          const at = q.bind(this.jobs.encode("lastModified", now));
          return `UPDATE "${TABLES.scaleJobs}" SET "status" = 'CANCELED', "error_category" = NULL, "node" = NULL,
             "last_status_change" = ${at}, "last_modified" = ${at} WHERE ${inList(`"id"`, canceled).toSql(q)}`;
        });
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
    await this.queuePlans(tx, plans, "first", instantNow());
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
  private async queuePlans(tx: Executor, plans: readonly QueuePlan[], mode: Mode, now: Instant): Promise<void> {
    if (plans.length === 0) return;
    const ids = plans.map((plan) => plan.job.id);
    const resetTries =
      mode === "requeue"
        ? `"max_tries" = "num_exes" + (SELECT jt."max_tries" FROM "${TABLES.jobTypes}" jt WHERE jt."id" = "${TABLES.scaleJobs}"."job_type_id"), `
        : "";
    await run(tx, (q) => {
      const at = q.bind(this.jobs.encode("lastModified", now));
      return `UPDATE "${TABLES.scaleJobs}" SET ${resetTries}"status" = 'QUEUED', "node" = NULL, "error_category" = NULL,
         "queued" = ${at}, "started" = NULL, "ended" = NULL, "last_status_change" = ${at},
         "num_exes" = "num_exes" + 1, "last_modified" = ${at}
       WHERE ${inList(`"id"`, ids).toSql(q)}`;
    });
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
    await insertRows(tx, { table: TABLES.queue, codec: this.entries, properties, rows: entries });
  }

  /** `can_be_uncanceled` jobs go back to PENDING (§3.4); hubql runs no recipe step after it. */
  private async uncancel(tx: Executor, ids: readonly number[], now: Instant): Promise<void> {
    if (ids.length === 0) return;
    await run(tx, (q) => {
      const at = q.bind(this.jobs.encode("lastModified", now));
      return `UPDATE "${TABLES.scaleJobs}" SET "status" = 'PENDING', "last_status_change" = ${at}, "last_modified" = ${at}
       WHERE ${inList(`"id"`, ids).toSql(q)}`;
    });
  }

  private async flagEntriesCanceled(tx: Executor, jobIds: readonly number[]): Promise<void> {
    await run(
      tx,
      (q) =>
        `UPDATE "${TABLES.queue}" SET "is_canceled" = TRUE WHERE ${inList(`"job_id"`, jobIds).toSql(q)} AND "is_canceled" = FALSE`,
    );
  }

  private async jobTypes(tx: Executor, jobs: ReadonlyMap<number, ScaleJobRow>): Promise<Map<number, JobTypeRow>> {
    const ids = [...new Set([...jobs.values()].map((job) => job.jobTypeId))];
    if (ids.length === 0) return new Map();
    const rows = await selectRows<JobTypeRow>(tx, {
      table: TABLES.jobTypes,
      codec: this.types,
      where: inList(`t."id"`, ids),
    });
    return new Map(rows.map((row) => [row.id, row]));
  }

  /**
   * Resolves a selection (the contract of src/services/shared/selection.ts) to locked job rows and the references
   * to answer for — named jobs in the order given, or filter/all matches by id descending (Scale's bulk order,
   * §3.4) — inside one transaction, then runs `work`.
   */
  private async withSelection(
    args: JobSelection,
    operation: string,
    verb: string,
    work: (tx: Executor, locked: Map<number, ScaleJobRow>, refs: readonly JobReference[]) => Promise<JobQueueOutcome[]>,
  ): Promise<QueueOperationResult> {
    const db = this.ctx.requireDb();
    const maxBatch = this.ctx.limits.maxBatchSize;
    const selection: Selection<JobReference> = resolveSelection(
      { ids: args.jobs, filter: args.filter, all: args.all, maxLimit: args.maxLimit, dryRun: args.dryRun },
      {
        idsArgument: "jobs",
        verb,
        noun: "jobs",
        maxIds: Number.MAX_SAFE_INTEGER,
        filter: {
          given: args.filter !== undefined && args.filter !== null,
          condition: this.ctx.where(args.filter, SCALE_JOB_CATALOGUE),
        },
      },
    );
    void operation;
    const target = selection.target;
    if (target.kind === "ids") {
      validateReferences(target.ids);
      checkMatched(selection, target.ids.length, maxBatch);
    }
    const outcomes = await db.transaction(async (tx) => {
      const where =
        target.kind === "ids"
          ? inList(
              `t."id"`,
              target.ids.map((ref) => ref.jobId),
            )
          : target.condition;
      const rows = await this.lockJobs(tx, where, target.kind === "ids" ? null : readLimit(selection, maxBatch));
      if (target.kind !== "ids") checkMatched(selection, rows.length, maxBatch);
      const locked = new Map(rows.map((row) => [row.id, row]));
      const refs = target.kind === "ids" ? target.ids : [...rows].reverse().map((row) => ({ jobId: row.id }));
      return work(tx, locked, refs);
    });
    return { dryRun: selection.dryRun, outcomes };
  }

  /** Locks in ascending id order (as Scale does) so two concurrent bulk calls cannot deadlock. */
  private async lockJobs(tx: Executor, where: Condition, limit: number | null): Promise<ScaleJobRow[]> {
    return selectRows<ScaleJobRow>(tx, {
      table: TABLES.scaleJobs,
      codec: this.jobs,
      where,
      orderBy: `t."id"`,
      ...(limit === null ? {} : { limit }),
      forUpdate: true,
    });
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
