import type { Executor } from "../../db/database";
import { RowCodec } from "../../db/row-codec";
import { badInput, invalidState, limitExceeded, noData } from "../../errors";
import { checkMatched, resolveSelection, type Selection } from "../shared/selection";
import type { ServiceContext } from "../shared/service-context";
import { aliased, and, type Condition, countRows, inList, query, sqlCondition, TABLES, selectRows } from "../sql";
import { TASK_RECORD_CATALOGUE } from "./task-record.model";

export interface PurgeArgs {
  readonly msgIds?: readonly string[] | null;
  readonly filter?: unknown;
  readonly engineUuids?: readonly string[] | null;
  readonly all?: boolean | null;
  /** Also remove records that are not completed (pending or orphaned). */
  readonly force?: boolean | null;
  readonly dryRun?: boolean | null;
  /** Refuse, changing nothing, when more records than this would go; 0: no limit. */
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

const COMPLETED = sqlCondition(() => `t."completed" IS NOT NULL`);
const INCOMPLETE = sqlCondition(() => `t."completed" IS NULL`);

/**
 * `purgeTaskRecords` (ipython-hub.md §8 and §15): by ids, by filter, by engine, or everything. Like the Hub,
 * `all` and by-engine remove only completed records; unlike it, by-engine really works, a pending id or filter
 * match refuses the whole purge (instead of deleting orphans silently) unless `force`, and the target follows the
 * selection contract (src/services/shared/selection.ts): no selector, `[]`, or a filter that puts no condition is
 * refused. The check and a purge of up to PURGE_BATCH_SIZE records are one
 * transaction; a larger purge then deletes in batches, each committed on its own, so other writers wait at most
 * one batch and a reader may see a purge half done (each record is wholly there or wholly gone).
 */
export class TaskPurgeService {
  private readonly codec: RowCodec;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(TASK_RECORD_CATALOGUE, ctx.dialect);
  }

  async purge(args: PurgeArgs): Promise<PurgeResult> {
    const { selection, condition, explicit } = this.selector(args);
    const dryRun = selection.dryRun;
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
    const target = onlyCompleted ? and(condition, COMPLETED) : condition;
    const cap = this.ctx.limits.maxPageSize;

    const first = await db.transaction(async (tx) => {
      if (explicit && onlyCompleted) await this.refusePending(tx, condition);
      const count = await countRows(tx, TABLES.taskRecords, target);
      checkMatched(selection, count);
      const keptIncomplete =
        onlyCompleted && !explicit ? await countRows(tx, TABLES.taskRecords, and(condition, INCOMPLETE)) : 0;
      if (dryRun || count > PURGE_BATCH_SIZE) {
        const rows = await this.ids(tx, target, `t."submitted", t."seq"`, cap);
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

  /**
   * The selection contract, plus purge's own `engineUuids` (the Hub's by-engine purge): ids and filters are
   * "explicit" (a pending match refuses), `all` and engines are not (they keep incomplete records).
   */
  private selector(args: PurgeArgs): { selection: Selection<string>; condition: Condition; explicit: boolean } {
    const engines = args.engineUuids;
    const byEngine = engines !== undefined && engines !== null;
    const filterGiven = (args.filter !== undefined && args.filter !== null) || byEngine;
    const selection = resolveSelection<string>(
      { ids: args.msgIds, filter: args.filter, all: args.all, maxLimit: args.maxLimit, dryRun: args.dryRun },
      {
        idsArgument: "msgIds",
        filterArguments: byEngine ? "engineUuids" : "filter",
        verb: "purge",
        noun: "records",
        maxIds: this.ctx.limits.maxBatchSize,
        filter: {
          given: filterGiven,
          condition: byEngine ? inList(`t."engine_uuid"`, engines) : this.filter(args.filter),
        },
      },
    );
    if (byEngine) {
      if (args.filter !== undefined && args.filter !== null) {
        throw badInput(
          "Give exactly one of msgIds, filter, engineUuids, all (got filter, engineUuids); nothing was purged",
          "engineUuids",
        );
      }
      if (engines.length === 0) throw badInput("engineUuids is empty; nothing was purged", "engineUuids");
      if (engines.length > this.ctx.limits.maxBatchSize) {
        throw limitExceeded(`engineUuids takes at most ${this.ctx.limits.maxBatchSize} values (HUBQL_MAX_BATCH_SIZE)`, {
          maximum: this.ctx.limits.maxBatchSize,
        });
      }
      return { selection, condition: inList(`t."engine_uuid"`, engines), explicit: false };
    }
    const target = selection.target;
    if (target.kind === "ids") return { selection, condition: inList(`t."msg_id"`, target.ids), explicit: true };
    return { selection, condition: target.condition, explicit: target.kind === "filter" };
  }

  private filter(filter: unknown): Condition {
    return this.ctx.where(filter, TASK_RECORD_CATALOGUE);
  }

  private ids(tx: Executor, where: Condition, orderBy: string, limit: number): Promise<{ msgId: string }[]> {
    return selectRows(tx, { table: TABLES.taskRecords, codec: this.codec, fields: ["msgId"], where, orderBy, limit });
  }

  private async refusePending(tx: Executor, condition: Condition): Promise<void> {
    const pending = await this.ids(tx, and(condition, INCOMPLETE), `t."msg_id"`, NAMED_PENDING + 1);
    if (pending.length === 0) return;
    const named = pending.slice(0, NAMED_PENDING).map((row) => `'${row.msgId}'`);
    throw invalidState(
      `Not completed: ${named.join(", ")}${pending.length > NAMED_PENDING ? " and more" : ""}; purge them with force: true. Nothing was purged`,
      { msgIds: pending.slice(0, NAMED_PENDING).map((row) => row.msgId) },
    );
  }
}

/** One DELETE; `limit` takes the oldest first so batches go in submit order. Returns the removed ids. */
async function deleteWhere(tx: Executor, condition: Condition, limit: number | null): Promise<string[]> {
  const rows = await query<{ msgId: string }>(tx, (q) => {
    const limited = limit === null ? "" : ` ORDER BY t."submitted", t."seq" LIMIT ${q.bind(limit)}`;
    return `DELETE FROM "${TABLES.taskRecords}" WHERE "msg_id" IN (SELECT t."msg_id" FROM ${aliased(TABLES.taskRecords)} WHERE ${condition.toSql(q)}${limited})
     RETURNING "msg_id" AS "msgId"`;
  });
  return rows.map((row) => row.msgId);
}
