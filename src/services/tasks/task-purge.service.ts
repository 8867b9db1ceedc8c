import type { Database, Executor } from "../../db/database";
import { RowCodec } from "../../db/row-codec";
import { badInput, invalidState, limitExceeded, noData } from "../../errors";
import { checkMatched, resolveSelection, type Selection } from "../shared/selection";
import type { ServiceContext } from "../shared/service-context";
import { type Dialect, type Instant } from "../../dialect";
import {
  aliased,
  and,
  type Condition,
  countRows,
  inList,
  orderByClause,
  query,
  run,
  selectList,
  selectRows,
  sortKeys,
  sqlCondition,
  TABLES,
  TRUE,
  truncateTable,
} from "../sql";
import { TASK_RECORD_CATALOGUE, TASK_RECORD_READ_CATALOGUE } from "./task-record.model";

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

/** Above this many records a purge deletes in batches of this size, each its own statement. */
export const PURGE_BATCH_SIZE = 5000;

/** Where a purge batch ended: the next starts after this record, in index order. */
interface BatchEnd {
  readonly submitted: Instant | null;
  readonly seq: number;
}

/** How many pending ids an INVALID_STATE error names. */
const NAMED_PENDING = 10;

const COMPLETED = sqlCondition(() => `t."completed" IS NOT NULL`);
const INCOMPLETE = sqlCondition(() => `t."completed" IS NULL`);

/**
 * `purgeTaskRecords` (ipython-hub.md §8 and §15): by ids, by filter, by engine, or everything. Like the Hub,
 * `all` and by-engine remove only completed records; unlike it, by-engine really works, a pending id or filter
 * match refuses the whole purge (instead of deleting orphans silently) unless `force`, and the target follows the
 * selection contract (src/services/shared/selection.ts): no selector, `[]`, or a filter that puts no condition is
 * refused. The check and a purge of up to PURGE_BATCH_SIZE records are one transaction; so is a larger purge that
 * takes every record (`all`, nothing kept), which truncates. Any other larger purge then deletes in batches, each
 * committed on its own, so other writers wait at most one batch and a reader may see a purge half done (each record
 * is wholly there or wholly gone). A request past its deadline (HUBQL_REQUEST_TIMEOUT_MS) stops between batches.
 */
export class TaskPurgeService {
  private readonly codec: RowCodec;
  /** The order of the `submitted` index (`submitted NULLS FIRST, seq`), the Hub's order of submission. */
  private readonly indexOrder: string;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(TASK_RECORD_READ_CATALOGUE, ctx.dialect);
    this.indexOrder = orderByClause(
      sortKeys(this.codec, [{ property: "submitted", descending: false }], { property: "seq" }),
      ctx.dialect,
    );
  }

  private get dialect(): Dialect {
    return this.ctx.dialect;
  }

  /**
   * `listIds: false` (the caller did not select `msgIds`) reads no ids at all: up to maxPageSize of them, read in
   * index order, were 27 ms of a 1M purge-all's 0.94 s on Postgres (measured). `msgIdsTruncated` still says
   * whether the list would have been cut.
   */
  async purge(args: PurgeArgs, { listIds = true }: { listIds?: boolean } = {}): Promise<PurgeResult> {
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
    const listed = listIds ? cap : 0;
    const answer = (count: number, msgIds: string[], keptIncomplete: number): PurgeResult => ({
      count,
      msgIds,
      msgIdsTruncated: count > (listIds ? msgIds.length : cap),
      keptIncomplete,
      dryRun,
    });

    const everything = selection.target.kind === "all";
    const first = await db.transaction(async (tx) => {
      // `all` may end in TRUNCATE: hold off other writers (not readers) from the count to the end (Postgres; a
      // SQLite transaction holds the one writer already).
      if (everything && !dryRun && db.dialect === "postgres") {
        await tx.query(`LOCK TABLE "${TABLES.taskRecords}" IN SHARE ROW EXCLUSIVE MODE`);
      }
      if (explicit && onlyCompleted) await this.refusePending(tx, condition);
      const keptIncomplete =
        onlyCompleted && !explicit ? await countRows(tx, TABLES.taskRecords, and(condition, INCOMPLETE)) : 0;
      if (everything && !dryRun && keptIncomplete === 0) {
        // Every record goes: TRUNCATE, not a DELETE per row. 1M records on Postgres: 0.39–0.48 s, 0.83–1.12 s
        // where the file system TRIMs freed extents as it goes (ext4 `discard`): most of it is the COMMIT giving
        // the table's files back. SQLite's DELETE without WHERE says how many went, so it counts only for maxLimit.
        const msgIds = (await this.ids(tx, target, this.indexOrder, listed)).map((row) => row.msgId);
        const counted =
          selection.maxLimit !== null || db.dialect === "postgres"
            ? await countRows(tx, TABLES.taskRecords, target)
            : null;
        if (counted !== null) checkMatched(selection, counted);
        const removed = await truncateTable(tx, TABLES.taskRecords, "TaskRecord");
        return { count: counted ?? removed, msgIds, keptIncomplete, done: true };
      }
      const count = await countRows(tx, TABLES.taskRecords, target);
      checkMatched(selection, count);
      if (dryRun || count > PURGE_BATCH_SIZE) {
        const rows = await this.ids(tx, target, this.indexOrder, listed);
        return { count, msgIds: rows.map((row) => row.msgId), keptIncomplete, done: dryRun };
      }
      const deleted = await deleteWhere(tx, target);
      return { count: deleted.length, msgIds: deleted.slice(0, listed), keptIncomplete, done: true };
    });
    if (first.done) return answer(first.count, first.msgIds, first.keptIncomplete);
    const count = await this.deleteInBatches(db, target, first.count);
    this.ctx.logger.info("task records purged in batches", { count, batchSize: PURGE_BATCH_SIZE });
    return answer(count, first.msgIds, first.keptIncomplete);
  }

  /**
   * A large purge: batches of PURGE_BATCH_SIZE in the order of the `submitted` index (`submitted` nulls first, then
   * `seq`, the insertion order), each batch starting where the last ended, so each costs what it deletes: the last batch of
   * 1M costs what the first does. (Ordering otherwise — Postgres' default NULLS LAST — made every batch sort what
   * was left: 631 ms a batch instead of 5 ms, quadratic.) Never more than `limit` (the count checked against
   * maxLimit), even if matching records arrive meanwhile.
   *
   * Each batch is atomic (deleteBatch): its rows read and deleted together, so a record changed meanwhile cannot
   * be deleted on a stale match. Other writers get their turn between batches, and on SQLite the work runs off the
   * event loop (src/db/sqlite-engine.ts), so readers and /healthz are not held up.
   */
  private async deleteInBatches(db: Database, target: Condition, limit: number): Promise<number> {
    let deleted = 0;
    let after: BatchEnd | null = null;
    while (deleted < limit) {
      const size = Math.min(PURGE_BATCH_SIZE, limit - deleted);
      const batch = await this.deleteBatch(db, and(target, this.batchRange(after)), size);
      deleted += batch.gone;
      // A short batch ran out of matching records.
      if (!batch.last || batch.read < size) break;
      after = batch.last;
    }
    return deleted;
  }

  /**
   * The first `size` records matching `where` in index order, deleted; how many went and the last of them.
   * Postgres: one statement — the batch read and locked in a CTE, deleted by ctid, its last row picked in SQL.
   * SQLite: the read and a DELETE by seq in one transaction (no DELETE in a CTE), the read told to walk the
   * `submitted` index (`INDEXED BY`): without ANALYZE statistics its planner picks an index on the filter's column
   * and sorts every batch, quadratic again.
   */
  private async deleteBatch(
    db: Database,
    where: Condition,
    size: number,
  ): Promise<{ read: number; gone: number; last: BatchEnd | null }> {
    if (this.dialect === "postgres") {
      const [row] = await query(
        db,
        (q) => `WITH batch AS (
            SELECT t.ctid AS "rowId", ${selectList(this.codec, ["seq", "submitted"])} FROM ${aliased(TABLES.taskRecords)}
             WHERE ${where.toSql(q)} ORDER BY ${this.indexOrder} LIMIT ${q.bind(size)}),
          gone AS (DELETE FROM "${TABLES.taskRecords}" WHERE ctid = ANY (ARRAY(SELECT "rowId" FROM batch)) RETURNING 1)
          SELECT (SELECT COUNT(*) FROM batch) AS "read", (SELECT COUNT(*) FROM gone) AS "gone", l."seq", l."submitted"
            FROM (SELECT "seq", "submitted" FROM batch ORDER BY "submitted" DESC NULLS LAST, "seq" DESC LIMIT 1) l`,
      );
      if (!row) return { read: 0, gone: 0, last: null };
      const { read, gone, ...last } = row;
      return { read: Number(read), gone: Number(gone), last: this.codec.decode<BatchEnd>(last) };
    }
    return db.transaction(async (tx) => {
      const rows = await query(
        tx,
        (q) =>
          `SELECT ${selectList(this.codec, ["seq", "submitted"])} FROM ${aliased(TABLES.taskRecords)} INDEXED BY "idx_task_records_submitted"
           WHERE ${where.toSql(q)} ORDER BY ${this.indexOrder} LIMIT ${q.bind(size)}`,
      );
      const last = rows[rows.length - 1];
      if (!last) return { read: 0, gone: 0, last: null };
      const gone = await run(
        tx,
        (q) => `DELETE FROM "${TABLES.taskRecords}" WHERE "seq" IN (${q.list(rows.map((row) => row["seq"]))})`,
      );
      return { read: rows.length, gone: gone.affected, last: this.codec.decode<BatchEnd>(last) };
    });
  }

  /**
   * Where the next batch starts, in index order: after the last record without `submitted` (its seq, and then
   * every record with `submitted`), or after the last (submitted, seq), where `submitted >= s` is the index
   * range and the rest breaks ties.
   */
  private batchRange(after: BatchEnd | null): Condition {
    if (!after) return TRUE;
    const { submitted, seq } = after;
    if (submitted === null) {
      return sqlCondition((q) => `((t."submitted" IS NULL AND t."seq" > ${q.bind(seq)}) OR t."submitted" IS NOT NULL)`);
    }
    return sqlCondition((q) => {
      const at = q.bind(this.codec.encode("submitted", submitted));
      return `t."submitted" >= ${at} AND (t."submitted" > ${at} OR t."seq" > ${q.bind(seq)})`;
    });
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

  private async ids(tx: Executor, where: Condition, orderBy: string, limit: number): Promise<{ msgId: string }[]> {
    if (limit === 0) return [];
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

/** One DELETE of every match. Returns the removed ids. */
async function deleteWhere(tx: Executor, condition: Condition): Promise<string[]> {
  const rows = await query<{ msgId: string }>(
    tx,
    (q) =>
      `DELETE FROM "${TABLES.taskRecords}" WHERE "msg_id" IN (SELECT t."msg_id" FROM ${aliased(TABLES.taskRecords)} WHERE ${condition.toSql(q)})
     RETURNING "msg_id" AS "msgId"`,
  );
  return rows.map((row) => row.msgId);
}
