import type { Executor } from "../../db/database";
import { badInput, invalidState, limitExceeded, noData } from "../../errors";
import type { SqlCondition } from "../../filter/types";
import type { ServiceContext } from "../service-context";
import { isEmptyFilter, TASKS, validateMaxLimit } from "./task-selection";
import { TASK_RECORD_CATALOGUE } from "./task-record.model";

export interface PurgeArgs {
  readonly msgIds?: readonly string[] | null;
  readonly filter?: unknown;
  readonly engineUuids?: readonly string[] | null;
  readonly all?: boolean | null;
  /** Also remove records that are not completed (pending or orphaned). */
  readonly force?: boolean | null;
  readonly dryRun?: boolean | null;
  /** Refuse, changing nothing, when more records than this would go. */
  readonly maxLimit?: number | null;
}

export interface PurgeResult {
  /** How many records were (or, with dryRun, would be) removed. */
  readonly count: number;
  /** Their ids, at most `maxPageSize` of them (see `msgIdsTruncated`). */
  readonly msgIds: string[];
  readonly msgIdsTruncated: boolean;
  /** Selected records kept because they are not completed (`all` and by-engine without `force`). */
  readonly keptIncomplete: number;
  readonly dryRun: boolean;
}

/** Above this many records a purge deletes in batches of this size, each its own transaction. */
export const PURGE_BATCH_SIZE = 1000;

/** How many pending ids an INVALID_STATE error names. */
const NAMED_PENDING = 10;

const COMPLETED = `t."completed" IS NOT NULL`;

/**
 * `purgeTaskRecords` (ipython-hub.md §8 and §15): by ids, by filter, by engine, or everything. Like the Hub,
 * `all` and by-engine remove only completed records; unlike it, by-engine really works, a pending id or filter
 * match refuses the whole purge (instead of deleting orphans silently) unless `force`, and the target must be
 * explicit: no selector, `[]` or `{}` is refused. The check and a purge of up to PURGE_BATCH_SIZE records are one
 * transaction; a larger purge then deletes in batches, each committed on its own, so other writers wait at most
 * one batch and a reader may see a purge half done (each record is wholly there or wholly gone).
 */
export class TaskPurgeService {
  constructor(private readonly ctx: ServiceContext) {}

  async purge(args: PurgeArgs): Promise<PurgeResult> {
    const selector = this.selector(args);
    validateMaxLimit(args.maxLimit);
    const dryRun = args.dryRun ?? false;
    const force = args.force ?? false;
    // NoDB's purge is a no-op that succeeds (ipython-hub.md §13), but it cannot say what it removed; a dry run,
    // which exists to say exactly that, fails.
    if (!this.ctx.db) {
      if (dryRun)
        throw noData("A dry run reports the records a purge would remove, and the 'none' store (NoDB) keeps none.");
      return { count: 0, msgIds: [], msgIdsTruncated: false, keptIncomplete: 0, dryRun };
    }
    const db = this.ctx.db;
    const onlyCompleted = !force;
    const target: SqlCondition = onlyCompleted
      ? { sql: `(${selector.condition.sql}) AND ${COMPLETED}`, params: selector.condition.params }
      : selector.condition;
    const cap = this.ctx.limits.maxPageSize;

    const first = await db.transaction(async (tx) => {
      if (selector.explicit && onlyCompleted) await this.refusePending(tx, selector.condition);
      const count = await countWhere(tx, target);
      if (args.maxLimit !== undefined && args.maxLimit !== null && count > args.maxLimit) {
        throw limitExceeded(`${count} records match, more than maxLimit ${args.maxLimit}; nothing was purged`, {
          maximum: args.maxLimit,
          matched: count,
        });
      }
      const keptIncomplete =
        onlyCompleted && !selector.explicit ? await countWhere(tx, incomplete(selector.condition)) : 0;
      if (dryRun || count > PURGE_BATCH_SIZE) {
        const rows = await tx.query<{ msgId: string }>(
          `SELECT t."msg_id" AS "msgId" FROM "task_records" t WHERE ${target.sql} ORDER BY t."submitted", t."msg_id" LIMIT :cap`,
          { ...target.params, cap },
        );
        return { count, msgIds: rows.map((row) => row.msgId), keptIncomplete, done: dryRun };
      }
      const deleted = await deleteWhere(tx, target, null);
      return { count: deleted.length, msgIds: deleted.slice(0, cap), keptIncomplete, done: true };
    });
    if (first.done) {
      return {
        count: first.count,
        msgIds: first.msgIds,
        msgIdsTruncated: first.count > first.msgIds.length,
        keptIncomplete: first.keptIncomplete,
        dryRun,
      };
    }

    // Large purge: batches of PURGE_BATCH_SIZE. Never more than the count checked against maxLimit, even if
    // matching records arrive meanwhile.
    let remaining = first.count;
    let count = 0;
    while (remaining > 0) {
      const batch = await db.transaction((tx) => deleteWhere(tx, target, Math.min(PURGE_BATCH_SIZE, remaining)));
      if (batch.length === 0) break;
      count += batch.length;
      remaining -= batch.length;
    }
    this.ctx.logger.info("task records purged in batches", { count, batchSize: PURGE_BATCH_SIZE });
    return {
      count,
      msgIds: first.msgIds,
      msgIdsTruncated: count > first.msgIds.length,
      keptIncomplete: first.keptIncomplete,
      dryRun,
    };
  }

  /** Exactly one target; ids and filters are "explicit" (a pending match refuses), `all` and engines are not. */
  private selector(args: PurgeArgs): { condition: SqlCondition; explicit: boolean } {
    const given = [
      args.msgIds !== undefined && args.msgIds !== null ? "msgIds" : null,
      args.filter !== undefined && args.filter !== null ? "filter" : null,
      args.engineUuids !== undefined && args.engineUuids !== null ? "engineUuids" : null,
      args.all ? "all" : null,
    ].filter((name) => name !== null);
    if (given.length !== 1) {
      throw badInput(
        given.length === 0
          ? "Say what to purge: msgIds, filter, engineUuids or all: true; nothing was purged"
          : `Give exactly one of msgIds, filter, engineUuids, all (got ${given.join(", ")}); nothing was purged`,
        given[1] ?? "msgIds",
      );
    }
    if (args.msgIds) {
      this.checkList(args.msgIds, "msgIds");
      return {
        condition: { sql: `t."msg_id" IN (:...purgeIds)`, params: { purgeIds: [...new Set(args.msgIds)] } },
        explicit: true,
      };
    }
    if (args.engineUuids) {
      this.checkList(args.engineUuids, "engineUuids");
      return {
        condition: {
          sql: `t."engine_uuid" IN (:...purgeEngines)`,
          params: { purgeEngines: [...new Set(args.engineUuids)] },
        },
        explicit: false,
      };
    }
    if (args.all) return { condition: { sql: "1=1", params: {} }, explicit: false };
    if (isEmptyFilter(args.filter)) {
      throw badInput("An empty filter would purge everything; use all: true for that. Nothing was purged", "filter");
    }
    return { condition: this.ctx.where(args.filter, TASK_RECORD_CATALOGUE), explicit: true };
  }

  private checkList(list: readonly string[], argument: string): void {
    if (list.length === 0) throw badInput(`${argument} is empty; nothing was purged`, argument);
    if (list.length > this.ctx.limits.maxBatchSize) {
      throw limitExceeded(`${argument} takes at most ${this.ctx.limits.maxBatchSize} values (HUBQL_MAX_BATCH_SIZE)`, {
        maximum: this.ctx.limits.maxBatchSize,
      });
    }
  }

  private async refusePending(tx: Executor, condition: SqlCondition): Promise<void> {
    const pending = await tx.query<{ msgId: string }>(
      `SELECT t."msg_id" AS "msgId" FROM "task_records" t WHERE ${incomplete(condition).sql} ORDER BY t."msg_id" LIMIT ${NAMED_PENDING + 1}`,
      condition.params,
    );
    if (pending.length === 0) return;
    const named = pending.slice(0, NAMED_PENDING).map((row) => `'${row.msgId}'`);
    throw invalidState(
      `Not completed: ${named.join(", ")}${pending.length > NAMED_PENDING ? " and more" : ""}; purge them with force: true. Nothing was purged`,
      { msgIds: pending.slice(0, NAMED_PENDING).map((row) => row.msgId) },
    );
  }
}

function incomplete(condition: SqlCondition): SqlCondition {
  return { sql: `(${condition.sql}) AND t."completed" IS NULL`, params: condition.params };
}

async function countWhere(tx: Executor, condition: SqlCondition): Promise<number> {
  const rows = await tx.query<{ n: number | string }>(
    `SELECT COUNT(*) AS "n" FROM ${TASKS} WHERE ${condition.sql}`,
    condition.params,
  );
  return Number(rows[0]?.n ?? 0);
}

/** One DELETE; `limit` takes the oldest first so batches go in submit order. Returns the removed ids. */
async function deleteWhere(tx: Executor, condition: SqlCondition, limit: number | null): Promise<string[]> {
  const limited = limit === null ? "" : ` ORDER BY t."submitted", t."msg_id" LIMIT ${limit}`;
  const rows = await tx.query<{ msgId: string }>(
    `DELETE FROM "task_records" WHERE "msg_id" IN (SELECT t."msg_id" FROM ${TASKS} WHERE ${condition.sql}${limited})
     RETURNING "msg_id" AS "msgId"`,
    condition.params,
  );
  return rows.map((row) => row.msgId);
}
