import { isTransientConflict } from "../../db/driver-errors";
import type { Database, Executor } from "../../db/database";
import { RowCodec } from "../../db/row-codec";
import { encodeInstant } from "../../db/values";
import { ErrorCode, HubqlError, locked } from "../../errors";
import type { ServiceContext } from "../service-context";
import { FLOW_CATALOGUE, type FlowRow, JOB_CATALOGUE, type JobRow, type LockOptions } from "./model";
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

  constructor(
    readonly ctx: ServiceContext,
    readonly project: JobflowProject,
  ) {
    this.jobs = new RowCodec(JOB_CATALOGUE, ctx.dialect);
    this.flows = new RowCodec(FLOW_CATALOGUE, ctx.dialect);
  }

  get db(): Database {
    return this.ctx.requireDb();
  }

  instant(value: Date): string {
    return encodeInstant(value, this.ctx.dialect);
  }

  /**
   * Runs `work` in one transaction, all or nothing. A LOCKED failure rolls everything back and, while `wait`
   * seconds have not passed, the whole transaction is tried again every WAIT_POLL_MS.
   */
  async write<T>(work: (tx: Executor, now: Date) => Promise<T>, wait?: number | null): Promise<T> {
    const db = this.db;
    // Capped so a caller cannot hold a request (and a connection slot) open for ever.
    const deadline = Date.now() + Math.min(MAX_WAIT_SECONDS, Math.max(0, wait ?? 0)) * 1000;
    for (let conflicts = 0; ;) {
      try {
        // On SQLite, Database.transaction already queues this process's transactions (one connection, one writer).
        return await db.transaction((tx) => work(tx, new Date()));
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

  /** `FOR UPDATE` on Postgres (row locks held until commit); SQLite's transaction is already exclusive for writes. */
  forUpdate(): string {
    return this.ctx.dialect === "postgres" ? " FOR UPDATE" : "";
  }

  async loadJobs(tx: Executor, where: string, params: Record<string, unknown>, lock = true): Promise<JobRow[]> {
    const rows = await tx.query(
      `SELECT ${this.jobs.selectList()} FROM "jobs" t WHERE ${where} ORDER BY t."db_seq"${lock ? this.forUpdate() : ""}`,
      params,
    );
    return rows.map((row) => this.jobs.decode<JobRow>(row));
  }

  async loadFlows(tx: Executor, uuids: readonly string[]): Promise<FlowRow[]> {
    if (uuids.length === 0) return [];
    const rows = await tx.query(
      `SELECT ${this.flows.selectList()} FROM "flows" t WHERE t."uuid" IN (:...uuids) ORDER BY t."uuid"${this.forUpdate()}`,
      { uuids: [...new Set(uuids)] },
    );
    return rows.map((row) => this.flows.decode<FlowRow>(row));
  }

  /** LOCKED when someone else holds an unexpired lease and the caller neither owns it nor breaks it (§4). */
  checkLease(row: JobRow | FlowRow, now: Date, options: LockOptions, what: string): void {
    if (!row.lockId || !row.lockExpires || row.lockExpires <= now) return;
    if (options.breakLock || (options.lockId && options.lockId === row.lockId)) return;
    const since = row.lockTime ? row.lockTime.toISOString() : "an unknown time";
    throw locked(
      `${what} is locked by ${row.lockHolder ?? "an unnamed holder"} (lock_id ${row.lockId}) since ${since}, lease until ${row.lockExpires.toISOString()}.`,
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
    now: Date,
    options: LockOptions,
  ): Promise<void> {
    if (!options.breakLock || keys.length === 0) return;
    const key = table === "jobs" ? "db_id" : "uuid";
    await tx.run(
      `UPDATE "${table}" SET ${this.clearLeaseSql()} WHERE "${key}" IN (:...keys) AND "lock_id" IS NOT NULL AND "lock_expires" > :now
         AND ("lock_id" <> :own OR :own = '')`,
      { keys: [...new Set(keys)], now: this.instant(now), own: options.lockId ?? "" },
    );
  }

  /**
   * Recomputes the state of each flow from its job rows as they are now in the transaction (§2); writes only
   * changed states and then bumps updated_on. Returns the new state per flow.
   */
  async recomputeFlows(tx: Executor, flowUuids: readonly string[], now: Date): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (flowUuids.length === 0) return result;
    const rows = await tx.query<{
      flowUuid: string;
      uuid: string;
      index: number | string;
      state: JobState;
      parents: unknown;
    }>(
      `SELECT t."flow_uuid" AS "flowUuid", t."uuid" AS "uuid", t."index" AS "index", t."state" AS "state", t."parents" AS "parents"
         FROM "jobs" t WHERE t."flow_uuid" IN (:...flows)`,
      { flows: [...new Set(flowUuids)] },
    );
    const byFlow = new Map<string, { uuid: string; index: number; state: JobState; parents: string[] }[]>();
    for (const row of rows) {
      const job = this.jobs.decode<{
        flowUuid: string;
        uuid: string;
        index: number;
        state: JobState;
        parents: string[];
      }>(row);
      const list = byFlow.get(job.flowUuid) ?? [];
      list.push(job);
      byFlow.set(job.flowUuid, list);
    }
    for (const flowUuid of new Set(flowUuids)) {
      const state = flowStateOf(byFlow.get(flowUuid) ?? []);
      result.set(flowUuid, state);
      await tx.run(
        `UPDATE "flows" SET "state" = :state, "updated_on" = :now WHERE "uuid" = :uuid AND "state" <> :state`,
        {
          state,
          now: this.instant(now),
          uuid: flowUuid,
        },
      );
    }
    return result;
  }

  /** UPDATE one job row by db_id with the given property values. */
  async updateJob(tx: Executor, dbId: string, values: Partial<JobRow>): Promise<void> {
    const params: Record<string, unknown> = { id: dbId };
    const sets = Object.entries(values).map(([property, value], i) => {
      params[`v${i}`] = this.jobs.encode(property, value);
      return `"${this.jobs.field(property).column}" = :v${i}`;
    });
    if (sets.length > 0) await tx.run(`UPDATE "jobs" SET ${sets.join(", ")} WHERE "db_id" = :id`, params);
  }
}

/** jobflow-remote's "reset dict" (§3.1): applied by rerun and retry-from-REMOTE_ERROR. */
export function resetDict(now: Date): Partial<JobRow> {
  return {
    stepAttempts: 0,
    retryTimeLimit: null,
    previousState: null,
    queueState: null,
    remoteError: null,
    error: null,
    startTime: null,
    endTime: null,
    updatedOn: now,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(1, ms)));
}
