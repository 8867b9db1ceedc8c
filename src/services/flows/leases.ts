import { randomUUID } from "node:crypto";

import type { Executor } from "../../db/database";
import { badInput, limitExceeded, locked, notFound } from "../../errors";
import type { FlowQuery, JobQuery, Lease } from "./model";
import { flowCondition, jobCondition, selectsNothingExplicitly } from "./query";
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

export interface UnlockSelection {
  readonly filter?: unknown;
  readonly query?: JobQuery | FlowQuery | null;
  readonly all?: boolean | null;
  readonly dryRun?: boolean | null;
  readonly maxLimit?: number | null;
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
    return this.acquire("jobs", where.sql, where.params, request, (row) => `Job with db_id ${String(row["key"])}`);
  }

  lockFlow(flowUuid: string, request: LeaseRequest): Promise<Lease> {
    return this.acquire("flows", `t."uuid" = :key`, { key: flowUuid }, request, () => `Flow with uuid ${flowUuid}`);
  }

  /** Extends a lease that is still held (not released, expired or broken); NOT_FOUND otherwise. */
  async renewLock(lockId: string, ttlSeconds?: number | null): Promise<Lease> {
    const ttl = this.ttl(ttlSeconds);
    return this.store.write(async (tx, now) => {
      const params = {
        id: lockId,
        now: this.store.instant(now),
        expires: this.store.instant(new Date(now.getTime() + ttl * 1000)),
      };
      for (const table of ["jobs", "flows"] as const) {
        const rows = await tx.query(
          `UPDATE "${table}" SET "lock_expires" = :expires WHERE "lock_id" = :id AND "lock_expires" > :now RETURNING ${leaseColumns(table)}`,
          params,
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
          await tx.run(`UPDATE "${table}" SET ${this.store.clearLeaseSql()} WHERE "lock_id" = :id`, { id: lockId })
        ).affected;
      }
      return affected > 0;
    });
    if (!released) this.store.ctx.logger.warn("Could not release lock: no document holds it", { lockId });
    return released;
  }

  /** unlock_jobs (§6.15): clears every lease (active or expired) on the selected jobs; returns how many. */
  unlockJobs(selection: UnlockSelection): Promise<{ count: number; dryRun: boolean }> {
    return this.unlock("jobs", selection, (now) =>
      jobCondition(this.store.ctx, selection.filter, selection.query as JobQuery, now),
    );
  }

  unlockFlows(selection: UnlockSelection): Promise<{ count: number; dryRun: boolean }> {
    return this.unlock("flows", selection, (now) =>
      flowCondition(this.store.ctx, selection.filter, selection.query as FlowQuery, now),
    );
  }

  private async unlock(
    table: "jobs" | "flows",
    selection: UnlockSelection,
    condition: (now: Date) => { sql: string; params: Record<string, unknown> },
  ): Promise<{ count: number; dryRun: boolean }> {
    if (!selection.all && selectsNothingExplicitly(selection.filter, selection.query)) {
      throw badInput(`unlocking ${table} needs a filter or named ${table}; pass all: true to unlock every one`, "all");
    }
    return this.store.write(async (tx, now) => {
      const where = condition(now);
      const key = table === "jobs" ? "db_id" : "uuid";
      const matched = await tx.query<{ key: string }>(
        `SELECT t."${key}" AS "key" FROM "${table}" t WHERE (${where.sql}) AND t."lock_id" IS NOT NULL${this.store.forUpdate()}`,
        where.params,
      );
      const maxLimit = selection.maxLimit ?? 0;
      if (maxLimit !== 0 && matched.length > maxLimit) {
        throw limitExceeded(
          `Cannot unlock ${matched.length} ${table} as they exceed the specified maximum limit (${maxLimit}); nothing was unlocked`,
          {
            matched: matched.length,
            maxLimit,
          },
        );
      }
      if (!selection.dryRun && matched.length > 0) {
        await tx.run(`UPDATE "${table}" SET ${this.store.clearLeaseSql()} WHERE "${key}" IN (:...keys)`, {
          keys: matched.map((row) => row.key),
        });
      }
      return { count: matched.length, dryRun: Boolean(selection.dryRun) };
    });
  }

  private async acquire(
    table: "jobs" | "flows",
    where: string,
    params: Record<string, unknown>,
    request: LeaseRequest,
    describe: (row: Record<string, unknown>) => string,
  ): Promise<Lease> {
    if (!request.holder) throw badInput("a lease needs a holder (who takes it)", "holder");
    const ttl = this.ttl(request.ttlSeconds);
    return this.store.write(async (tx: Executor, now) => {
      const values = {
        ...params,
        lockId: randomUUID(),
        holder: request.holder,
        now: this.store.instant(now),
        expires: this.store.instant(new Date(now.getTime() + ttl * 1000)),
      };
      const free = request.breakLock ? "1=1" : `(t."lock_id" IS NULL OR t."lock_expires" <= :now)`;
      // One conditional UPDATE: of several concurrent callers exactly one sees the lease free (§4, DESIGN "Storage").
      // The freedom test sits on the updated row itself, so Postgres re-checks it after a concurrent winner commits.
      const rows = await tx.query(
        `UPDATE "${table}" AS t SET "lock_id" = :lockId, "lock_holder" = :holder, "lock_time" = :now, "lock_expires" = :expires
          WHERE ${where} AND ${free} RETURNING ${leaseColumns(table)}`,
        values,
      );
      if (rows[0]) return this.lease(table, rows[0]);
      const current = await tx.query(`SELECT ${leaseColumns(table, "t.")} FROM "${table}" t WHERE ${where}`, values);
      const row = current[0];
      if (!row)
        throw notFound(`No ${table === "jobs" ? "Job" : "Flow"} matching ${JSON.stringify(params)}`, { ...params });
      const codec = table === "jobs" ? this.store.jobs : this.store.flows;
      const lease = codec.decode<{
        lockId: string;
        lockHolder: string | null;
        lockTime: Date | null;
        lockExpires: Date;
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
    const row = codec.decode<{ key: string; lockId: string; lockHolder: string; lockTime: Date; lockExpires: Date }>(
      raw,
    );
    return {
      lockId: row.lockId,
      holder: row.lockHolder,
      lockedSince: row.lockTime,
      expiresAt: row.lockExpires,
      jobDbId: table === "jobs" ? row.key : null,
      flowUuid: table === "flows" ? row.key : null,
    };
  }

  private ttl(ttlSeconds: number | null | undefined): number {
    const ttl = ttlSeconds ?? this.store.project.lockTtlSeconds;
    if (!Number.isFinite(ttl) || ttl <= 0)
      throw badInput("ttlSeconds must be a positive number of seconds", "ttlSeconds");
    return ttl;
  }
}

function leaseColumns(table: "jobs" | "flows", prefix = ""): string {
  const key = table === "jobs" ? "db_id" : "uuid";
  return `${prefix}"${key}" AS "key", ${prefix}"lock_id" AS "lockId", ${prefix}"lock_holder" AS "lockHolder", ${prefix}"lock_time" AS "lockTime", ${prefix}"lock_expires" AS "lockExpires"`;
}

/** The SQL condition selecting one job by key (§6: exactly one of db id and uuid). */
export function jobKeyCondition(key: JobKey, alias: string): { sql: string; params: Record<string, unknown> } {
  const hasDbId = key.dbId !== null && key.dbId !== undefined;
  const hasUuid = key.uuid !== null && key.uuid !== undefined;
  if (hasDbId === hasUuid)
    throw badInput("One and only one among (uuid, index) and dbId should be given", hasDbId ? "uuid" : "dbId");
  if (hasDbId) return { sql: `${alias}."db_id" = :key`, params: { key: key.dbId } };
  if (key.index !== null && key.index !== undefined) {
    return {
      sql: `${alias}."uuid" = :key AND ${alias}."index" = :keyIndex`,
      params: { key: key.uuid, keyIndex: key.index },
    };
  }
  return {
    sql: `${alias}."uuid" = :key AND ${alias}."index" = (SELECT MAX(h."index") FROM "jobs" h WHERE h."uuid" = ${alias}."uuid")`,
    params: { key: key.uuid },
  };
}
