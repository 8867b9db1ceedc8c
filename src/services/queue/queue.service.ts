import { JOB_TYPE_TABLE } from "../../db/entities/job-type.entity";
import { QUEUE_TABLE } from "../../db/entities/queue-entry.entity";
import { RowCodec } from "../../db/row-codec";
import { decodeInstant } from "../../db/values";
import { badInput } from "../../errors";
import { type Connection, orderByClause, queryPage, type SortKey } from "../pagination";
import type { ServiceContext } from "../service-context";
import {
  parseOrderMode,
  QUEUE_ENTRY_CATALOGUE,
  QUEUE_ENTRY_FIELDS,
  type QueueEntryRow,
  type QueueOrderMode,
  type QueueStatusRow,
} from "./queue.model";
import { returningList, rowsById } from "./sql";

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

const TABLE = `"${QUEUE_TABLE}" t`;

/**
 * Reading and draining Scale's queue (scale-queue.md §3.1, §3.2): the scheduler order with deterministic ties,
 * queue status per job type, and an atomic claim for schedulers.
 */
export class QueueService {
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
    const ignored = ignoreCondition(args.ignoreJobTypeIds);
    return queryPage<QueueEntryNode>(this.ctx.requireDb(), {
      table: QUEUE_TABLE,
      codec: this.codec,
      fields: this.readFields(
        args.fields,
        keys.map((key) => key.property),
      ),
      where: { sql: `(${where.sql}) AND (${ignored.sql})`, params: { ...where.params, ...ignored.params } },
      keys,
      first: args.first,
      after: args.after,
      limits: this.ctx.limits,
    });
  }

  /** Entries by id in one statement (DataLoader, `_entities`). */
  async getMany(ids: readonly number[]): Promise<(QueueEntryRow | null)[]> {
    return rowsById<QueueEntryRow>(this.ctx.requireDb(), QUEUE_TABLE, this.codec, ids);
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
       FROM ${TABLE} JOIN "${JOB_TYPE_TABLE}" jt ON jt."id" = t."job_type_id"
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
    const candidates = `SELECT t."id" FROM ${TABLE}
      WHERE (${ignored.sql})
        AND NOT EXISTS (SELECT 1 FROM "${JOB_TYPE_TABLE}" jt WHERE jt."id" = t."job_type_id" AND jt."is_paused" = TRUE)
      ORDER BY ${orderByClause(keys, db.dialect)} LIMIT :limit`;
    const returning = returningList(this.codec);
    const sql =
      db.dialect === "postgres"
        ? `WITH next AS (${candidates} FOR UPDATE OF t SKIP LOCKED)
           DELETE FROM "${QUEUE_TABLE}" q USING next WHERE q."id" = next."id" RETURNING ${qualify(returning, "q")}`
        : `DELETE FROM "${QUEUE_TABLE}" WHERE "id" IN (${candidates}) RETURNING ${returning}`;
    const rows = await db.query(sql, { ...ignored.params, limit });
    return rows.map((row) => this.codec.decode<QueueEntryRow>(row)).sort(compareInQueueOrder(orderMode));
  }

  private sortKeys(mode: QueueOrderMode): SortKey[] {
    const descending = mode === "LIFO";
    const key = (property: "priority" | "queued" | "id", desc: boolean): SortKey => ({
      column: this.codec.column(property),
      property,
      kind: this.codec.field(property).kind,
      descending: desc,
      nullable: false,
    });
    return [key("priority", false), key("queued", descending), key("id", descending)];
  }

  private readFields(fields: readonly string[] | undefined, required: readonly string[]): string[] {
    if (!fields) return [...QUEUE_ENTRY_FIELDS];
    return [...new Set(["id", ...required, ...fields.filter((field) => this.codec.has(field))])];
  }
}

function ignoreCondition(ids: readonly number[] | null | undefined): { sql: string; params: Record<string, unknown> } {
  if (!ids || ids.length === 0) return { sql: "1=1", params: {} };
  return { sql: `t."job_type_id" NOT IN (:...ignoredTypes)`, params: { ignoredTypes: [...new Set(ids)] } };
}

/** `"a" AS "b", …` → `q."a" AS "b", …`: Postgres needs the target qualified once a USING table is in scope. */
function qualify(list: string, alias: string): string {
  return list.replace(/(^|, )"/g, `$1${alias}."`);
}

/** RETURNING has no order: put claimed entries back in the order they were taken. */
function compareInQueueOrder(mode: QueueOrderMode): (a: QueueEntryRow, b: QueueEntryRow) => number {
  const sign = mode === "LIFO" ? -1 : 1;
  return (a, b) => a.priority - b.priority || sign * (a.queued.getTime() - b.queued.getTime()) || sign * (a.id - b.id);
}
