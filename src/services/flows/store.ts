import { isTransientConflict } from "../../db/driver-errors";
import type { Database, Executor } from "../../db/database";
import { RowCodec } from "../../db/row-codec";
import { encodeInstant, formatInstant, type Instant, instantNow } from "../../dialect";
import { ErrorCode, HubqlError, locked } from "../../errors";
import type { ServiceContext } from "../shared/service-context";
import { type Condition, inList, run, selectRows, sqlCondition, type SqlParams, TABLES } from "../sql";
import {
  FLOW_COLUMNS,
  type FlowRow,
  JOB_COLUMNS,
  JOB_PARENT_CATALOGUE,
  type JobRow,
  type LockOptions,
} from "./jobflow.model";
import type { JobflowProject } from "./project";
import { flowStateOf, type JobState } from "./states";

/** How often a `wait` re-tries a leased job or flow (upstream polls every 10 s, §4; 100 ms keeps waits short). */
export const WAIT_POLL_MS = 100;
/** The longest `wait` a lock-taking operation honours (docs/flows-and-jobs.md). */
export const MAX_WAIT_SECONDS = 300;
/** Postgres deadlock / serialization failures are retried this many times before surfacing. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * What the flow/job services share: codecs, the write transaction (serialised per process on SQLite, retried
 * while `wait` allows on LOCKED), row loading with row locks, lease checks and the flow-state recomputation.
 */
export class JobflowStore {
  readonly jobs: RowCodec;
  readonly flows: RowCodec;
  readonly jobParents: RowCodec;

  constructor(
    readonly ctx: ServiceContext,
    readonly project: JobflowProject,
  ) {
    this.jobs = new RowCodec(JOB_COLUMNS, ctx.dialect);
    this.flows = new RowCodec(FLOW_COLUMNS, ctx.dialect);
    this.jobParents = new RowCodec(JOB_PARENT_CATALOGUE, ctx.dialect);
  }

  get db(): Database {
    return this.ctx.requireDb();
  }

  instant(value: Instant): string {
    return encodeInstant(value, this.ctx.dialect);
  }

  /**
   * Runs `work` in one transaction, all or nothing. A LOCKED failure rolls everything back and, while `wait`
   * seconds have not passed, the whole transaction is tried again every WAIT_POLL_MS.
   */
  async write<T>(work: (tx: Executor, now: Instant) => Promise<T>, wait?: number | null): Promise<T> {
    const db = this.db;
    // Capped so a caller cannot hold a request (and a connection slot) open for ever.
    const deadline = Date.now() + Math.min(MAX_WAIT_SECONDS, Math.max(0, wait ?? 0)) * 1000;
    for (let conflicts = 0; ;) {
      try {
        // On SQLite, Database.transaction already queues this process's transactions (one connection, one writer).
        return await db.transaction((tx) => work(tx, instantNow()));
      } catch (error) {
        if (error instanceof HubqlError && error.code === ErrorCode.LOCKED && Date.now() < deadline) {
          await sleep(Math.min(WAIT_POLL_MS, deadline - Date.now()));
          continue;
        }
        if (isTransientConflict(error) && conflicts++ < MAX_CONFLICT_RETRIES) continue;
        throw error;
      }
    }
  }

  /** Runs one statement (no transaction), again while Postgres reports a deadlock or serialization failure. */
  async retryConflicts<T>(work: () => Promise<T>): Promise<T> {
    for (let conflicts = 0; ;) {
      try {
        return await work();
      } catch (error) {
        if (isTransientConflict(error) && conflicts++ < MAX_CONFLICT_RETRIES) continue;
        throw error;
      }
    }
  }

  /** Job rows matching `where`, by db_seq; locked `FOR UPDATE` on Postgres unless `lock` is false. */
  async loadJobs(tx: Executor, where: Condition, lock = true): Promise<JobRow[]> {
    return selectRows<JobRow>(tx, {
      table: TABLES.jobs,
      codec: this.jobs,
      where,
      orderBy: `t."db_seq"`,
      forUpdate: lock,
    });
  }

  /** Job rows with one column equal to a value (`jobsWhere("flow_uuid", uuid)`). */
  jobsWhere(column: string, value: unknown): Condition {
    return sqlCondition((q) => `t."${column}" = ${q.bind(value)}`);
  }

  async loadFlows(tx: Executor, uuids: readonly string[]): Promise<FlowRow[]> {
    if (uuids.length === 0) return [];
    return selectRows<FlowRow>(tx, {
      table: TABLES.flows,
      codec: this.flows,
      where: inList(`t."uuid"`, uuids),
      orderBy: `t."uuid"`,
      forUpdate: true,
    });
  }

  /** LOCKED when someone else holds an unexpired lease and the caller neither owns it nor breaks it (§4). */
  checkLease(row: JobRow | FlowRow, now: Instant, options: LockOptions, what: string): void {
    if (!row.lockId || !row.lockExpires || row.lockExpires <= now) return;
    if (options.breakLock || (options.lockId && options.lockId === row.lockId)) return;
    const since = row.lockTime ? formatInstant(row.lockTime) : "an unknown time";
    throw locked(
      // Never the lock id: it is the holder's proof of ownership (docs/security.md, "Leases").
      `${what} is locked by ${row.lockHolder ?? "an unnamed holder"} since ${since}, lease until ${formatInstant(row.lockExpires)}.`,
      row.lockHolder,
      row.lockTime,
    );
  }

  /** SET fragment that clears a lease (used when breakLock steals one, so no stale holder remains). */
  clearLeaseSql(): string {
    return `"lock_id" = NULL, "lock_holder" = NULL, "lock_time" = NULL, "lock_expires" = NULL`;
  }

  async clearBrokenLeases(
    tx: Executor,
    table: "jobs" | "flows",
    keys: readonly string[],
    now: Instant,
    options: LockOptions,
  ): Promise<void> {
    if (!options.breakLock || keys.length === 0) return;
    const key = table === "jobs" ? "db_id" : "uuid";
    await run(tx, (q) => {
      const own = q.bind(options.lockId ?? "");
      return `UPDATE "${TABLES[table]}" SET ${this.clearLeaseSql()} WHERE ${inList(`"${key}"`, keys).toSql(q)} AND "lock_id" IS NOT NULL AND "lock_expires" > ${q.bind(this.instant(now))}
         AND ("lock_id" <> ${own} OR ${own} = '')`;
    });
  }

  /**
   * Recomputes the state of each flow from its job rows as they are now in the transaction (§2); writes only
   * changed states and then bumps updated_on. Returns the new state per flow.
   */
  async recomputeFlows(tx: Executor, flowUuids: readonly string[], now: Instant): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (flowUuids.length === 0) return result;
    const rows = await selectRows<{
      flowUuid: string;
      uuid: string;
      index: number;
      state: JobState;
      parents: string[];
    }>(tx, {
      table: TABLES.jobs,
      codec: this.jobs,
      fields: ["flowUuid", "uuid", "index", "state", "parents"],
      where: inList(`t."flow_uuid"`, flowUuids),
    });
    const byFlow = new Map<string, { uuid: string; index: number; state: JobState; parents: string[] }[]>();
    for (const job of rows) {
      const list = byFlow.get(job.flowUuid) ?? [];
      list.push(job);
      byFlow.set(job.flowUuid, list);
    }
    for (const flowUuid of new Set(flowUuids)) {
      const state = flowStateOf(byFlow.get(flowUuid) ?? []);
      result.set(flowUuid, state);
      await run(tx, (q) => {
        const next = q.bind(state);
        return `UPDATE "${TABLES.flows}" SET "state" = ${next}, "updated_on" = ${q.bind(this.instant(now))} WHERE "uuid" = ${q.bind(flowUuid)} AND "state" <> ${next}`;
      });
    }
    return result;
  }

  /** The flow's `updated_on` = now, whatever its state (a dynamic response part, a deleted job). */
  async touchFlow(tx: Executor, flowUuid: string, now: Instant): Promise<void> {
    await run(
      tx,
      (q) =>
        `UPDATE "${TABLES.flows}" SET "updated_on" = ${q.bind(this.instant(now))} WHERE "uuid" = ${q.bind(flowUuid)}`,
    );
  }

  /** UPDATE one job row by db_id with the given property values. */
  async updateJob(tx: Executor, dbId: string, values: Partial<JobRow>): Promise<void> {
    const entries = Object.entries(values);
    if (entries.length === 0) return;
    await run(tx, (q) => {
      const sets = entries.map(
        ([property, value]) => `"${this.jobs.field(property).column}" = ${q.bind(this.jobs.encode(property, value))}`,
      );
      return `UPDATE "${TABLES.jobs}" SET ${sets.join(", ")} WHERE "db_id" = ${q.bind(dbId)}`;
    });
  }

  /** stop_children (§6.7): WAITING direct children of the uuid → STOPPED; rows changed. */
  stopChildren(tx: Executor, jobUuid: string): Promise<number> {
    return this.stopWaiting(
      tx,
      (q) => `"db_id" IN (SELECT "child_db_id" FROM "${TABLES.jobParents}" WHERE "parent_uuid" = ${q.bind(jobUuid)})`,
    );
  }

  /** `UPDATE jobs SET state = 'STOPPED' WHERE state = 'WAITING' AND …` (stop_children, stop_jobflow); rows changed. */
  async stopWaiting(tx: Executor, where: (q: SqlParams) => string): Promise<number> {
    const result = await run(
      tx,
      (q) => `UPDATE "${TABLES.jobs}" SET "state" = 'STOPPED' WHERE "state" = 'WAITING' AND ${where(q)}`,
    );
    return result.affected;
  }
}

/** The runner's bookkeeping on a job, cleared (set_job_state, §6.10, and part of the reset dict). */
export const CLEARED_RUN: Partial<JobRow> = {
  stepAttempts: 0,
  retryTimeLimit: null,
  previousState: null,
  queueState: null,
  remoteError: null,
  error: null,
};

/** No lease: what a new job or flow row starts with. */
export const NO_LEASE = { lockId: null, lockHolder: null, lockTime: null, lockExpires: null } as const;

/** jobflow-remote's "reset dict" (§3.1): applied by rerun and retry-from-REMOTE_ERROR. */
export function resetDict(now: Instant): Partial<JobRow> {
  return {
    ...CLEARED_RUN,
    startTime: null,
    endTime: null,
    updatedOn: now,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(1, ms)));
}
