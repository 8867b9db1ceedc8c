import { randomUUID } from "node:crypto";

import type { Executor } from "../../db/database";
import { addSeconds, formatInstant, type Instant, instantNow } from "../../dialect";
import { badInput, invalidState, notFound } from "../../errors";
import { inList, query, readFields, returningList, run, type SqlParams, TABLES } from "../sql";
import { JOB_LOADER_FIELDS, type JobNode, type JobQuery, type JobRow, type LockOptions } from "./jobflow.model";
import { activeLease, jobCondition, prepareJobFilter } from "./query";
import { jobKeyCondition, type JobKey, leaseTtl } from "./leases";
import { appendParts, type JobResponse, outputText, readResponseParts } from "./responses";
import { BATCH_STATES, isJobState, type JobState, RUNNING_STATES } from "./states";
import { type JobflowStore, NO_LEASE } from "./store";

/** The runner's steps (§8): from each state, the states a successful step may lead to (the first is the default). */
export const NEXT_STATES: Readonly<Partial<Record<JobState, readonly JobState[]>>> = {
  CHECKED_OUT: ["UPLOADED"],
  UPLOADED: ["SUBMITTED", "BATCH_SUBMITTED"],
  SUBMITTED: ["RUNNING", "TERMINATED"],
  RUNNING: ["TERMINATED", "DOWNLOADED"],
  TERMINATED: ["DOWNLOADED"],
  BATCH_SUBMITTED: ["BATCH_RUNNING"],
  BATCH_RUNNING: ["TERMINATED", "DOWNLOADED"],
};

export interface CheckoutRequest {
  readonly filter?: unknown;
  readonly query?: JobQuery | null;
  /** Only jobs of this flow. */
  readonly flowUuid?: string | null;
  /** Take a lease on the checked-out job for this holder in the same statement. */
  readonly holder?: string | null;
  readonly ttlSeconds?: number | null;
}

export interface StepReport {
  readonly success: boolean;
  /** Where a successful step leads (default: the step's usual next state). */
  readonly to?: JobState | null;
  readonly error?: string | null;
  /** The failure cannot be retried (a config error, no job id from the queue, unparseable output). */
  readonly noRetry?: boolean | null;
  readonly runDir?: string | null;
  readonly processId?: string | null;
  readonly queueState?: string | null;
  /** RunnerOptions.max_step_attempts and delta_retry; the project's values by default. */
  readonly maxStepAttempts?: number | null;
  readonly deltaRetrySeconds?: readonly number[] | null;
}

export interface Completion {
  readonly success: boolean;
  readonly error?: string | null;
  readonly response?: JobResponse | null;
  readonly startTime?: Instant | null;
  readonly endTime?: Instant | null;
}

/**
 * The runner's side (§6.1, §6.9, §8). There is no worker file system in hubql: a runner (or a test) reports each
 * step's outcome through `reportStep`, and hands the job's output over with `complete`.
 */
export class JobRunner {
  constructor(private readonly store: JobflowStore) {}

  /**
   * checkout_job (§6.1): one READY job, priority DESC then created_on ASC, becomes CHECKED_OUT and its flow goes
   * READY → RUNNING. Postgres: one statement — the candidate row is claimed with `FOR UPDATE SKIP LOCKED` (so
   * concurrent gateways each get a different job), the flow updated in a data-modifying CTE, and the job returned
   * with the columns asked for (`fields`). It used to take five statements (BEGIN, the job, the flow, a re-read,
   * COMMIT): 171–316 checkouts/s with 16 workers over 2 processes. SQLite has no writable CTEs: the job's UPDATE …
   * RETURNING and the flow's UPDATE, in one transaction on the writer. Jobs under an active lease are left alone.
   */
  async checkout(request: CheckoutRequest, fields?: readonly (keyof JobRow)[]): Promise<JobNode | null> {
    const ctx = this.store.ctx;
    const filter = prepareJobFilter(ctx, request.filter);
    const ttl = leaseTtl(request.ttlSeconds, this.store.project.lockTtlSeconds);
    const returning = returningList(
      this.store.jobs,
      readFields(this.store.jobs, fields ?? JOB_LOADER_FIELDS, ["dbId", "flowUuid"]),
    );
    const postgres = ctx.dialect === "postgres";
    /** The job's UPDATE … RETURNING; `at` is the bound `now`. */
    const takeJob = (q: SqlParams, now: Instant, at: string) => {
      const lease = request.holder
        ? `, "lock_id" = ${q.bind(randomUUID())}, "lock_holder" = ${q.bind(request.holder)}, "lock_time" = ${at}, "lock_expires" = ${q.bind(this.store.instant(addSeconds(now, ttl)))}`
        : "";
      const flow = request.flowUuid ? ` AND t."flow_uuid" = ${q.bind(request.flowUuid)}` : "";
      const where = jobCondition(ctx, filter, request.query, now);
      return `UPDATE "${TABLES.jobs}" SET "state" = 'CHECKED_OUT', "updated_on" = ${at}${lease}
          WHERE "state" = 'READY' AND "db_id" = (
            SELECT t."db_id" FROM "${TABLES.jobs}" t
             WHERE t."state" = 'READY' AND NOT ${activeLease("t", now, ctx.dialect).toSql(q)}${flow} AND (${where.toSql(q)})
             ORDER BY t."priority" DESC, t."created_on" ASC, t."db_seq" ASC LIMIT 1${postgres ? " FOR UPDATE SKIP LOCKED" : ""})
          RETURNING ${returning}`;
    };
    // §6.1: the flow goes READY → RUNNING; any other flow state is left as it is.
    const startFlow = (at: string, flowUuid: string) =>
      `UPDATE "${TABLES.flows}" SET "state" = 'RUNNING', "updated_on" = ${at} WHERE "uuid" = ${flowUuid} AND "state" = 'READY'`;
    const decode = (rows: Record<string, unknown>[]) => (rows[0] ? this.store.jobs.decode<JobNode>(rows[0]) : null);

    if (postgres) {
      return this.store.retryConflicts(async () => {
        const now = instantNow();
        const rows = await query(this.store.db, (q) => {
          const at = q.bind(this.store.instant(now));
          return `WITH picked AS (${takeJob(q, now, at)}),
            flow AS (${startFlow(at, `(SELECT "flowUuid" FROM picked)`)})
            SELECT * FROM picked`;
        });
        return decode(rows);
      });
    }
    return this.store.write(async (tx, now) => {
      const picked = decode(await query(tx, (q) => takeJob(q, now, q.bind(this.store.instant(now)))));
      if (picked) await run(tx, (q) => startFlow(q.bind(this.store.instant(now)), q.bind(picked.flowUuid as string)));
      return picked;
    });
  }

  /** One runner step's outcome (§8 "Step outcome handling"). */
  async reportStep(key: JobKey, report: StepReport, lock: LockOptions): Promise<JobNode> {
    const maxAttempts = report.maxStepAttempts ?? this.store.project.maxStepAttempts;
    const delta =
      report.deltaRetrySeconds && report.deltaRetrySeconds.length > 0
        ? report.deltaRetrySeconds
        : this.store.project.deltaRetrySeconds;
    if (report.to !== null && report.to !== undefined && !isJobState(report.to))
      throw badInput(`unknown job state ${String(report.to)}`, "to");
    return this.store.write(async (tx, now) => {
      const job = await this.loadOne(tx, key);
      this.store.checkLease(job, now, lock, `Job with db_id ${job.dbId}`);
      const next = NEXT_STATES[job.state as JobState];
      if (!next)
        throw invalidState(`Job ${job.dbId} in state ${job.state} has no runner step to report`, {
          dbId: job.dbId,
          state: job.state,
        });
      if (job.retryTimeLimit && job.retryTimeLimit > now) {
        throw invalidState(`Job ${job.dbId} may not be retried before ${formatInstant(job.retryTimeLimit)}`, {
          dbId: job.dbId,
          retryTimeLimit: formatInstant(job.retryTimeLimit),
        });
      }
      let values: Partial<JobRow>;
      if (report.success) {
        const to = report.to ?? next[0];
        if (!to || !next.includes(to))
          throw invalidState(`A step from ${job.state} leads to ${next.join(" or ")}, not ${String(to)}`, {
            dbId: job.dbId,
          });
        values = { state: to, stepAttempts: 0, retryTimeLimit: null, remoteError: null, updatedOn: now };
        if (report.runDir !== null && report.runDir !== undefined) values.runDir = report.runDir;
        if (report.processId !== null && report.processId !== undefined) values.processId = report.processId;
        if (report.queueState !== null && report.queueState !== undefined) values.queueState = report.queueState;
        if (to === "RUNNING" || to === "BATCH_RUNNING") values.startTime = now;
      } else if (report.noRetry || job.stepAttempts >= maxAttempts) {
        // Attempts and retry_time_limit are left as they were (§8).
        values = {
          state: "REMOTE_ERROR",
          previousState: job.state,
          remoteError: report.error ?? "unknown error",
          updatedOn: now,
        };
      } else {
        const attempts = job.stepAttempts + 1;
        const seconds = delta[Math.min(attempts, delta.length) - 1] ?? 0;
        values = {
          stepAttempts: attempts,
          retryTimeLimit: addSeconds(now, seconds),
          remoteError: report.error ?? "unknown error",
          updatedOn: now,
        };
      }
      await this.store.updateJob(tx, job.dbId, values);
      return { ...job, ...values };
    }, lock.wait);
  }

  /**
   * complete_job + checkin_job (§6.9; docs/flows-and-jobs.md, the runner): the job becomes COMPLETED (with its output, stored data and
   * dynamic response, applied in upstream's order: replace, addition, detour, then stop_children, stop_jobflow) or
   * FAILED; a lease the caller holds with `lockId` is released in the same UPDATE; WAITING jobs of the flow whose
   * parents are now done become READY; the flow state is recomputed. Everything is checked before anything is
   * written: a refused response leaves the job running.
   */
  async complete(key: JobKey, completion: Completion, lock: LockOptions): Promise<JobNode> {
    const response = completion.success ? completion.response : null;
    const output = outputText(response);
    return this.store.write(async (tx, now) => {
      const job = await this.loadOne(tx, key);
      this.store.checkLease(job, now, lock, `Job with db_id ${job.dbId}`);
      if (!RUNNING_STATES.includes(job.state as JobState) && !BATCH_STATES.includes(job.state as JobState)) {
        throw invalidState(`Job ${job.dbId} in state ${job.state} is not running and cannot be completed`, {
          dbId: job.dbId,
          state: job.state,
        });
      }
      for (const flow of await this.store.loadFlows(tx, [job.flowUuid])) {
        this.store.checkLease(flow, now, lock, `Flow with uuid ${flow.uuid} (Could not complete the job)`);
      }
      if (response) {
        const flowJobs = await this.store.loadJobs(tx, this.store.jobsWhere("flow_uuid", job.flowUuid));
        const parts = await readResponseParts(tx, this.store, job, flowJobs, response);
        await appendParts(tx, this.store, job, flowJobs, parts, now);
        if (response.stopChildren) await this.store.stopChildren(tx, job.uuid);
        if (response.stopJobflow) await this.store.stopWaiting(tx, (q) => `"flow_uuid" = ${q.bind(job.flowUuid)}`);
      }
      const values: Partial<JobRow> = {
        state: completion.success ? "COMPLETED" : "FAILED",
        error: completion.success ? null : (completion.error ?? "the job failed"),
        outputJson: output,
        storedData: response?.storedData ?? null,
        startTime: completion.startTime ?? job.startTime ?? null,
        endTime: completion.endTime ?? now,
        stepAttempts: 0,
        retryTimeLimit: null,
        remoteError: null,
        updatedOn: now,
        // upstream's runner holds the job lock through complete_job and releases it at the end.
        ...(lock.lockId && job.lockId === lock.lockId ? NO_LEASE : {}),
      };
      await this.store.updateJob(tx, job.dbId, values);
      await this.refreshChildren(tx, job.flowUuid);
      await this.store.recomputeFlows(tx, [job.flowUuid], now);
      return { ...job, ...values };
    }, lock.wait);
  }

  /**
   * refresh_children (§6.8) over the whole flow: a WAITING job (highest index of its uuid) becomes READY when the
   * highest index of every parent is COMPLETED — or COMPLETED/FAILED/USER_STOPPED for on_missing_references "none".
   */
  private async refreshChildren(tx: Executor, flowUuid: string): Promise<void> {
    const rows = await this.store.loadJobs(tx, this.store.jobsWhere("flow_uuid", flowUuid));
    const latest = new Map<string, JobRow>();
    for (const row of rows) if ((latest.get(row.uuid)?.index ?? 0) < row.index) latest.set(row.uuid, row);
    const ready: string[] = [];
    for (const row of latest.values()) {
      if (row.state !== "WAITING") continue;
      const accepted = row.onMissingReferences === "none" ? ["COMPLETED", "FAILED", "USER_STOPPED"] : ["COMPLETED"];
      if (
        row.parents.every((parent) => {
          const p = latest.get(parent);
          return !p || accepted.includes(p.state);
        })
      )
        ready.push(row.dbId);
    }
    if (ready.length > 0) {
      await run(tx, (q) => `UPDATE "${TABLES.jobs}" SET "state" = 'READY' WHERE ${inList(`"db_id"`, ready).toSql(q)}`);
    }
  }

  private async loadOne(tx: Executor, key: JobKey): Promise<JobRow> {
    const [job] = await this.store.loadJobs(tx, jobKeyCondition(key, "t"));
    if (!job) throw notFound(`No Job matching ${JSON.stringify(key)}`, { ...key });
    return job;
  }
}
