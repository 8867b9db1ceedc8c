import { randomUUID } from "node:crypto";

import type { Executor } from "../../db/database";
import { addSeconds, type Instant, instantNow } from "../../dialect";
import { badInput, locked, notFound } from "../../errors";
import { checkMatched, resolveSelection, type SelectionArgs } from "../shared/selection";
import { aliased, type Condition, inList, query, run, selectList, sqlCondition, TABLES, TRUE } from "../sql";
import type { FlowQuery, JobQuery, Lease } from "./jobflow.model";
import { flowCondition, jobCondition, namesAnything, prepareFlowFilter, prepareJobFilter } from "./query";
import type { JobflowStore } from "./store";

/** A single job: by db id, or by uuid and index (no index = the highest, §5). Exactly one of the two. */
export interface JobKey {
  readonly dbId?: string | null;
  readonly uuid?: string | null;
  readonly index?: number | null;
}

export interface LeaseRequest {
  readonly holder: string;
  readonly ttlSeconds?: number | null;
  readonly wait?: number | null;
  readonly breakLock?: boolean | null;
}

/** The selection contract plus jobflow-remote's named filters of the jobs or flows to unlock. */
export interface UnlockSelection extends SelectionArgs<never> {
  readonly query?: JobQuery | FlowQuery | null;
}

/**
 * Leases on jobs and flows: MongoLock (jobflow-remote.md §4) plus an expiry. A lease is free when `lock_id IS NULL
 * OR lock_expires <= now`, so a crashed holder blocks nobody once its lease runs out. Acquisition is one
 * conditional UPDATE; release and renewal match the lock id, which is the holder's proof of ownership.
 */
export class JobflowLeases {
  constructor(private readonly store: JobflowStore) {}

  lockJob(key: JobKey, request: LeaseRequest): Promise<Lease> {
    const where = jobKeyCondition(key, "t");
    const named = key.dbId ?? key.uuid;
    const target =
      key.index !== null && key.index !== undefined && !key.dbId ? { key: named, keyIndex: key.index } : { key: named };
    return this.acquire("jobs", where, target, request, (row) => `Job with db_id ${String(row["dbId"])}`);
  }

  lockFlow(flowUuid: string, request: LeaseRequest): Promise<Lease> {
    const where = sqlCondition((q) => `t."uuid" = ${q.bind(flowUuid)}`);
    return this.acquire("flows", where, { key: flowUuid }, request, () => `Flow with uuid ${flowUuid}`);
  }

  /** Extends a lease that is still held (not released, expired or broken); NOT_FOUND otherwise. */
  async renewLock(lockId: string, ttlSeconds?: number | null): Promise<Lease> {
    const ttl = this.ttl(ttlSeconds);
    return this.store.write(async (tx, now) => {
      for (const table of ["jobs", "flows"] as const) {
        const rows = await query(
          tx,
          (q) =>
            `UPDATE "${TABLES[table]}" SET "lock_expires" = ${q.bind(this.store.instant(addSeconds(now, ttl)))} WHERE "lock_id" = ${q.bind(lockId)} AND "lock_expires" > ${q.bind(this.store.instant(now))} RETURNING ${this.leaseColumns(table, "")}`,
        );
        if (rows[0]) return this.lease(table, rows[0]);
      }
      throw notFound(`No active lease with lock_id ${lockId}: it was released, it expired, or someone broke it`, {
        lockId,
      });
    });
  }

  /** Releases a lease; false (and nothing changes) when that lock id holds nothing any more — e.g. it was broken. */
  async releaseLock(lockId: string): Promise<boolean> {
    const released = await this.store.write(async (tx) => {
      let affected = 0;
      for (const table of ["jobs", "flows"] as const) {
        affected += (
          await run(
            tx,
            (q) => `UPDATE "${TABLES[table]}" SET ${this.store.clearLeaseSql()} WHERE "lock_id" = ${q.bind(lockId)}`,
          )
        ).affected;
      }
      return affected > 0;
    });
    if (!released) this.store.ctx.logger.warn("Could not release lock: no document holds it", { lockId });
    return released;
  }

  /** unlock_jobs (§6.15): clears every lease (active or expired) on the selected jobs; returns how many. */
  unlockJobs(selection: UnlockSelection): Promise<{ count: number; dryRun: boolean }> {
    const ctx = this.store.ctx;
    const filter = prepareJobFilter(ctx, selection.filter);
    const named = selection.query as JobQuery | null | undefined;
    return this.unlock("jobs", selection, filter !== null || namesAnything(named), (now) =>
      jobCondition(ctx, filter, named, now),
    );
  }

  unlockFlows(selection: UnlockSelection): Promise<{ count: number; dryRun: boolean }> {
    const ctx = this.store.ctx;
    const filter = prepareFlowFilter(ctx, selection.filter);
    const named = selection.query as FlowQuery | null | undefined;
    return this.unlock("flows", selection, filter !== null || namesAnything(named), (now) =>
      flowCondition(ctx, filter, named, now),
    );
  }

  private async unlock(
    table: "jobs" | "flows",
    args: UnlockSelection,
    filterGiven: boolean,
    condition: (now: Instant) => Condition,
  ): Promise<{ count: number; dryRun: boolean }> {
    const selection = resolveSelection<never>(args, {
      filterArguments: "filter or query",
      verb: "unlock",
      noun: table,
      maxIds: this.store.ctx.limits.maxBatchSize,
      filter: { given: filterGiven, condition: condition(instantNow()) },
    });
    return this.store.write(async (tx, now) => {
      const where = selection.target.kind === "all" ? TRUE : condition(now);
      const key = table === "jobs" ? "db_id" : "uuid";
      const matched = await query<{ key: string }>(
        tx,
        (q) =>
          `SELECT t."${key}" AS "key" FROM ${aliased(TABLES[table])} WHERE (${where.toSql(q)}) AND t."lock_id" IS NOT NULL${this.forUpdate()}`,
      );
      checkMatched(selection, matched.length);
      if (!selection.dryRun && matched.length > 0) {
        await run(
          tx,
          (q) =>
            `UPDATE "${TABLES[table]}" SET ${this.store.clearLeaseSql()} WHERE ${inList(
              `"${key}"`,
              matched.map((row) => row.key),
            ).toSql(q)}`,
        );
      }
      return { count: matched.length, dryRun: selection.dryRun };
    });
  }

  private forUpdate(): string {
    return this.store.ctx.dialect === "postgres" ? " FOR UPDATE" : "";
  }

  private async acquire(
    table: "jobs" | "flows",
    where: Condition,
    target: object,
    request: LeaseRequest,
    describe: (row: Record<string, unknown>) => string,
  ): Promise<Lease> {
    if (!request.holder) throw badInput("a lease needs a holder (who takes it)", "holder");
    const ttl = this.ttl(request.ttlSeconds);
    return this.store.write(async (tx: Executor, now) => {
      // One conditional UPDATE: of several concurrent callers exactly one sees the lease free (§4, DESIGN "Storage").
      // The freedom test sits on the updated row itself, so Postgres re-checks it after a concurrent winner commits.
      const rows = await query(tx, (q) => {
        const at = q.bind(this.store.instant(now));
        const free = request.breakLock ? "1=1" : `(t."lock_id" IS NULL OR t."lock_expires" <= ${at})`;
        return `UPDATE "${TABLES[table]}" AS t SET "lock_id" = ${q.bind(randomUUID())}, "lock_holder" = ${q.bind(request.holder)}, "lock_time" = ${at}, "lock_expires" = ${q.bind(this.store.instant(addSeconds(now, ttl)))}
          WHERE ${where.toSql(q)} AND ${free} RETURNING ${this.leaseColumns(table, "")}`;
      });
      if (rows[0]) return this.lease(table, rows[0]);
      const current = await query(
        tx,
        (q) => `SELECT ${this.leaseColumns(table, "t")} FROM ${aliased(TABLES[table])} WHERE ${where.toSql(q)}`,
      );
      const row = current[0];
      if (!row) {
        throw notFound(`No ${table === "jobs" ? "Job" : "Flow"} matching ${JSON.stringify(target)}`, { ...target });
      }
      const codec = table === "jobs" ? this.store.jobs : this.store.flows;
      const lease = codec.decode<{
        lockId: string;
        lockHolder: string | null;
        lockTime: Instant | null;
        lockExpires: Instant;
      }>(row);
      this.store.checkLease(lease as never, now, {}, describe(row));
      // Free now but taken when we tried: report it as locked, so `wait` tries again.
      throw locked(
        `${describe(row)} was locked by another caller at the same moment; try again`,
        lease.lockHolder,
        lease.lockTime,
      );
    }, request.wait);
  }

  private lease(table: "jobs" | "flows", raw: Record<string, unknown>): Lease {
    const codec = table === "jobs" ? this.store.jobs : this.store.flows;
    const row = codec.decode<{ lockId: string; lockHolder: string; lockTime: Instant; lockExpires: Instant }>(raw);
    const key = String(raw[table === "jobs" ? "dbId" : "uuid"]);
    return {
      lockId: row.lockId,
      holder: row.lockHolder,
      lockedSince: row.lockTime,
      expiresAt: row.lockExpires,
      jobDbId: table === "jobs" ? key : null,
      flowUuid: table === "flows" ? key : null,
    };
  }

  /** The key and lease columns of a job or flow row (`alias` "" for RETURNING). */
  private leaseColumns(table: "jobs" | "flows", alias: string): string {
    const codec = table === "jobs" ? this.store.jobs : this.store.flows;
    const key = table === "jobs" ? "dbId" : "uuid";
    return selectList(codec, [key, "lockId", "lockHolder", "lockTime", "lockExpires"], alias);
  }

  private ttl(ttlSeconds: number | null | undefined): number {
    return leaseTtl(ttlSeconds, this.store.project.lockTtlSeconds);
  }
}

/** Longest lease one call may ask for: a year. Beyond it a lease would be a lock nobody can wait out. */
export const MAX_LEASE_SECONDS = 366 * 24 * 3600;

/** A lease length in seconds: positive, finite and at most MAX_LEASE_SECONDS (`ttlSeconds: 1e15` is refused). */
export function leaseTtl(ttlSeconds: number | null | undefined, fallback: number): number {
  const ttl = ttlSeconds ?? fallback;
  if (!Number.isFinite(ttl) || ttl <= 0 || ttl > MAX_LEASE_SECONDS) {
    throw badInput(
      `ttlSeconds must be a positive number of seconds, at most ${MAX_LEASE_SECONDS} (a year)`,
      "ttlSeconds",
    );
  }
  return ttl;
}

/** The SQL condition selecting one job by key (§6: exactly one of db id and uuid). */
export function jobKeyCondition(key: JobKey, alias: string): Condition {
  const hasDbId = key.dbId !== null && key.dbId !== undefined;
  const hasUuid = key.uuid !== null && key.uuid !== undefined;
  if (hasDbId === hasUuid)
    throw badInput("One and only one among (uuid, index) and dbId should be given", hasDbId ? "uuid" : "dbId");
  if (hasDbId) return sqlCondition((q) => `${alias}."db_id" = ${q.bind(key.dbId)}`);
  if (key.index !== null && key.index !== undefined) {
    return sqlCondition((q) => `${alias}."uuid" = ${q.bind(key.uuid)} AND ${alias}."index" = ${q.bind(key.index)}`);
  }
  return sqlCondition(
    (q) =>
      `${alias}."uuid" = ${q.bind(key.uuid)} AND ${alias}."index" = (SELECT MAX(h."index") FROM "${TABLES.jobs}" h WHERE h."uuid" = ${alias}."uuid")`,
  );
}
