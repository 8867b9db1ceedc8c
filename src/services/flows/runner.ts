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
import { Coalescer } from "../shared/coalescer";

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

/** The process's checkout Coalescer (ServiceContext.perProcess). */
const CHECKOUT_CLAIMS = Symbol("checkout claims");

/** Most checkouts one statement claims (see JobRunner.checkout). */
const MAX_CLAIMS = 64;

/** One checkout, its arguments checked: what a statement needs to claim a job for it. */
interface Claim {
  readonly filter: ReturnType<typeof prepareJobFilter>;
  readonly query: JobQuery | null;
  readonly flowUuid: string | null;
  readonly holder: string | null;
  readonly ttl: number;
  /** The RETURNING list of the columns asked for. */
  readonly returning: string;
}

/** §6.1: the flow (or flows, `= ANY (…)`) goes READY → RUNNING; any other flow state is left as it is. */
function startFlows(at: string, uuids: string): string {
  return `UPDATE "${TABLES.flows}" SET "state" = 'RUNNING', "updated_on" = ${at} WHERE "uuid" = ${uuids} AND "state" = 'READY'`;
}

/**
 * The runner's side (§6.1, §6.9, §8). There is no worker file system in hubql: a runner (or a test) reports each
 * step's outcome through `reportStep`, and hands the job's output over with `complete`.
 */
export class JobRunner {
  /** Concurrent Postgres checkouts of one kind, from every request of the process, claimed together (`checkout`). */
  private readonly claims: Coalescer<Claim, JobNode | null>;

  constructor(private readonly store: JobflowStore) {
    this.claims = store.ctx.perProcess(CHECKOUT_CLAIMS, () => new Coalescer<Claim, JobNode | null>(MAX_CLAIMS));
  }

  /**
   * checkout_job (§6.1): one READY job, priority DESC then created_on ASC, becomes CHECKED_OUT and its flow goes
   * READY → RUNNING. Jobs under an active lease are left alone.
   *
   * Postgres: one statement — candidates claimed with `FOR UPDATE SKIP LOCKED` (so concurrent gateways each get
   * different jobs), the flows updated in a data-modifying CTE, each job returned with the columns asked for
   * (`fields`). Checkouts of the same kind (filter, query, flow, with or without a lease, fields) that arrive while
   * one is in flight wait for it and then share the next statement, one job each in priority order, each with its
   * own lease (a Coalescer, as graphile-worker's local queue fetches jobs in batches): on this 2-core machine a
   * round trip to Postgres costs more than the statement. It used to take five statements per checkout (BEGIN, the
   * job, the flow, a re-read, COMMIT): 171–316 checkouts/s with 16 workers over 2 processes.
   *
   * SQLite has no writable CTEs: the job's UPDATE … RETURNING and the flow's UPDATE, in one transaction on the
   * writer, one checkout at a time.
   */
  async checkout(request: CheckoutRequest, fields?: readonly (keyof JobRow)[]): Promise<JobNode | null> {
    const ctx = this.store.ctx;
    const claim: Claim = {
      filter: prepareJobFilter(ctx, request.filter),
      query: request.query ?? null,
      flowUuid: request.flowUuid ?? null,
      holder: request.holder ?? null,
      ttl: leaseTtl(request.ttlSeconds, this.store.project.lockTtlSeconds),
      returning: returningList(
        this.store.jobs,
        readFields(this.store.jobs, fields ?? JOB_LOADER_FIELDS, ["dbId", "flowUuid"]),
      ),
    };
    if (ctx.dialect === "postgres") {
      const kind = JSON.stringify([
        request.filter ?? null,
        claim.query,
        claim.flowUuid,
        claim.holder !== null,
        claim.returning,
      ]);
      return this.claims.submit(kind, claim, (claims) => this.claimJobs(claims));
    }
    return this.store.write(async (tx, now) => {
      const at = (q: SqlParams) => q.bind(this.store.instant(now));
      const [row] = await query(tx, (q) => {
        const lease = claim.holder
          ? `, "lock_id" = ${q.bind(randomUUID())}, "lock_holder" = ${q.bind(claim.holder)}, "lock_time" = ${at(q)}, "lock_expires" = ${q.bind(this.store.instant(addSeconds(now, claim.ttl)))}`
          : "";
        return `UPDATE "${TABLES.jobs}" SET "state" = 'CHECKED_OUT', "updated_on" = ${at(q)}${lease}
          WHERE "state" = 'READY' AND "db_id" = (SELECT "db_id" FROM (${this.candidates(q, claim, now, 1)}) c)
          RETURNING ${claim.returning}`;
      });
      const picked = row ? this.store.jobs.decode<JobNode>(row) : null;
      if (picked) await run(tx, (q) => startFlows(at(q), q.bind(picked.flowUuid as string)));
      return picked;
    });
  }

  /** READY jobs free of leases that `claim` may take, first `limit` in checkout order (aliased `t`). */
  private candidates(q: SqlParams, claim: Claim, now: Instant, limit: number): string {
    const ctx = this.store.ctx;
    const flow = claim.flowUuid ? ` AND t."flow_uuid" = ${q.bind(claim.flowUuid)}` : "";
    const where = jobCondition(ctx, claim.filter, claim.query, now);
    return `SELECT t."db_id", t."priority", t."created_on", t."db_seq" FROM "${TABLES.jobs}" t
      WHERE t."state" = 'READY' AND NOT ${activeLease("t", now, ctx.dialect).toSql(q)}${flow} AND (${where.toSql(q)})
      ORDER BY t."priority" DESC, t."created_on" ASC, t."db_seq" ASC LIMIT ${q.bind(limit)}${ctx.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : ""}`;
  }

  /**
   * Postgres: one job for each claim (of one kind), in checkout order, in one statement. The candidates are locked
   * and numbered in checkout order, the n-th goes to the n-th claim with that claim's lease; a claim left without a
   * job (fewer READY than claims) gets null.
   */
  private claimJobs(claims: readonly Claim[]): Promise<(JobNode | null)[]> {
    const first = claims[0] as Claim;
    const leased = first.holder !== null;
    return this.store.retryConflicts(async () => {
      const now = instantNow();
      const rows = await query(this.store.db, (q) => {
        const at = q.bind(this.store.instant(now));
        const values = claims
          .map((claim, i) =>
            leased
              ? `(${i + 1}, ${q.bind(randomUUID())}, ${q.bind(claim.holder)}, CAST(${q.bind(this.store.instant(addSeconds(now, claim.ttl)))} AS timestamptz))`
              : `(${i + 1})`,
          )
          .join(", ");
        const lease = leased
          ? `, "lock_id" = c."claim_lock", "lock_holder" = c."claim_holder", "lock_time" = ${at}, "lock_expires" = c."claim_expires"`
          : "";
        return `WITH candidates AS (${this.candidates(q, first, now, claims.length)}),
          ranked AS (SELECT "db_id" AS "pick", row_number() OVER (ORDER BY "priority" DESC, "created_on" ASC, "db_seq" ASC) AS "rank" FROM candidates),
          claims ${leased ? `("claim", "claim_lock", "claim_holder", "claim_expires")` : `("claim")`} AS (VALUES ${values}),
          picked AS (
            UPDATE "${TABLES.jobs}" SET "state" = 'CHECKED_OUT', "updated_on" = ${at}${lease}
              FROM ranked r JOIN claims c ON c."claim" = r."rank"
             WHERE "${TABLES.jobs}"."db_id" = r."pick" AND "${TABLES.jobs}"."state" = 'READY'
            RETURNING c."claim" AS "claim", ${first.returning}),
          flow AS (${startFlows(at, `ANY (ARRAY(SELECT "flowUuid" FROM picked))`)})
          SELECT * FROM picked`;
      });
      const jobs: (JobNode | null)[] = claims.map(() => null);
      for (const { claim, ...row } of rows) jobs[Number(claim) - 1] = this.store.jobs.decode<JobNode>(row);
      return jobs;
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
