import { RowCodec } from "../../db/row-codec";
import { compareInstants, decodeInstant } from "../../dialect";
import { badInput } from "../../errors";
import type { ServiceContext } from "../shared/service-context";
import {
  aliased,
  and,
  type Condition,
  type Connection,
  orderByClause,
  query,
  queryPage,
  readFields,
  returningList,
  rowsByKey,
  selectList,
  type SortKey,
  sortKeys,
  sqlCondition,
  TABLES,
  TRUE,
} from "../sql";
import {
  parseOrderMode,
  QUEUE_ENTRY_CATALOGUE,
  type QueueEntryRow,
  type QueueOrderMode,
  type QueueStatusRow,
} from "./queue.model";

export type QueueEntryNode = Partial<QueueEntryRow> & { id: number };

export interface ListQueueArgs {
  /** FIFO or LIFO in any letter case; FIFO when null. */
  readonly orderMode?: string | null;
  readonly ignoreJobTypeIds?: readonly number[] | null;
  readonly filter?: unknown;
  readonly first?: number | null;
  readonly after?: string | null;
  /** Properties to read; all when omitted. Sort keys and id are always read. */
  readonly fields?: readonly string[];
}

export interface ClaimArgs {
  readonly limit?: number | null;
  readonly ignoreJobTypeIds?: readonly number[] | null;
  /** FIFO or LIFO in any letter case; FIFO when null. */
  readonly orderMode?: string | null;
}

/**
 * Reading and draining Scale's queue (scale-queue.md §3.1, §3.2): the scheduler order with deterministic ties,
 * queue status per job type, and an atomic claim for schedulers.
 */
export class QueueEntriesService {
  private readonly codec: RowCodec;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(QUEUE_ENTRY_CATALOGUE, ctx.dialect);
  }

  /**
   * `get_queue` (§3.1) as a connection: every entry, canceled ones included in their normal position (a scheduler
   * consumes them), minus ignored job types, in scheduler order.
   */
  async list(args: ListQueueArgs): Promise<Connection<QueueEntryNode>> {
    const keys = this.sortKeys(parseOrderMode(args.orderMode));
    const where = this.ctx.where(args.filter, QUEUE_ENTRY_CATALOGUE);
    return queryPage<QueueEntryNode>(this.ctx.requireDb(), {
      table: TABLES.queue,
      codec: this.codec,
      fields: readFields(this.codec, args.fields, ["id", ...keys.map((key) => key.property)]),
      where: and(where, ignoreCondition(args.ignoreJobTypeIds)),
      keys,
      first: args.first,
      after: args.after,
      limits: this.ctx.limits,
    });
  }

  /** Entries by id in one statement (DataLoader, `_entities`). */
  async getMany(ids: readonly number[], fields?: readonly string[]): Promise<(QueueEntryRow | null)[]> {
    return rowsByKey<QueueEntryRow, number>(this.ctx.requireDb(), {
      table: TABLES.queue,
      codec: this.codec,
      property: "id",
      keys: ids,
      fields: fields && readFields(this.codec, fields, ["id"]),
    });
  }

  /**
   * `get_queue_status` (§3.2): per job type with entries (canceled ones count until claimed), the entry count, the
   * oldest queued time and the best (lowest) priority; unpaused types first, then by priority, then oldest first,
   * then job type id so ties are stable.
   */
  async status(): Promise<QueueStatusRow[]> {
    const db = this.ctx.requireDb();
    const rows = await db.query<Record<string, unknown>>(
      `SELECT t."job_type_id" AS "jobTypeId", COUNT(*) AS "count", MIN(t."queued") AS "longestQueued",
              MIN(t."priority") AS "highestPriority"
       FROM ${aliased(TABLES.queue)} JOIN "${TABLES.jobTypes}" jt ON jt."id" = t."job_type_id"
       GROUP BY t."job_type_id", jt."is_paused"
       ORDER BY jt."is_paused" ASC, MIN(t."priority") ASC, MIN(t."queued") ASC, t."job_type_id" ASC`,
    );
    return rows.map((row) => ({
      jobTypeId: Number(row["jobTypeId"]),
      count: Number(row["count"]),
      longestQueued: decodeInstant(row["longestQueued"])!,
      highestPriority: Number(row["highestPriority"]),
    }));
  }

  /**
   * Takes the next `limit` entries in queue order and removes them, as Scale's scheduler deletes the row it
   * schedules (§1.1). Entries of ignored and of paused job types stay (§3.1, scenario 21). Canceled entries are
   * claimed like the others and come back with `isCanceled: true`: the claimer records them as canceled executions
   * (scenario 20). One statement: on Postgres the candidates are locked `FOR UPDATE SKIP LOCKED`, so concurrent
   * claimers on other gateways take disjoint entries; SQLite runs one writer at a time.
   */
  async claim(args: ClaimArgs): Promise<QueueEntryRow[]> {
    const db = this.ctx.requireDb();
    const limit = args.limit ?? 1;
    if (!Number.isInteger(limit) || limit < 1 || limit > this.ctx.limits.maxBatchSize) {
      throw badInput(`limit must be an integer from 1 to ${this.ctx.limits.maxBatchSize}`, "limit");
    }
    const orderMode = parseOrderMode(args.orderMode);
    const keys = this.sortKeys(orderMode);
    const ignored = ignoreCondition(args.ignoreJobTypeIds);
    const rows = await query(db, (q) => {
      const candidates = `SELECT t."id" FROM ${aliased(TABLES.queue)}
      WHERE (${ignored.toSql(q)})
        AND NOT EXISTS (SELECT 1 FROM "${TABLES.jobTypes}" jt WHERE jt."id" = t."job_type_id" AND jt."is_paused" = TRUE)
      ORDER BY ${orderByClause(keys, db.dialect)} LIMIT ${q.bind(limit)}`;
      return db.dialect === "postgres"
        ? `WITH next AS (${candidates} FOR UPDATE OF t SKIP LOCKED)
           DELETE FROM "${TABLES.queue}" q USING next WHERE q."id" = next."id" RETURNING ${selectList(this.codec, undefined, "q")}`
        : `DELETE FROM "${TABLES.queue}" WHERE "id" IN (${candidates}) RETURNING ${returningList(this.codec)}`;
    });
    return rows.map((row) => this.codec.decode<QueueEntryRow>(row)).sort(compareInQueueOrder(orderMode));
  }

  private sortKeys(mode: QueueOrderMode): SortKey[] {
    const descending = mode === "LIFO";
    return sortKeys(
      this.codec,
      [
        { property: "priority", descending: false },
        { property: "queued", descending },
      ],
      { property: "id", descending },
    );
  }
}

function ignoreCondition(ids: readonly number[] | null | undefined): Condition {
  if (!ids || ids.length === 0) return TRUE;
  return sqlCondition((q) => `t."job_type_id" NOT IN (${q.list(ids)})`);
}

/** RETURNING has no order: put claimed entries back in the order they were taken. */
function compareInQueueOrder(mode: QueueOrderMode): (a: QueueEntryRow, b: QueueEntryRow) => number {
  const sign = mode === "LIFO" ? -1 : 1;
  return (a, b) => a.priority - b.priority || sign * compareInstants(a.queued, b.queued) || sign * (a.id - b.id);
}
