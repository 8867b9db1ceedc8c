import type { RetentionLimits } from "../../config";
import { catalogueFor } from "../../db/catalogue";
import type { Executor } from "../../db/database";
import { taskCulledIdEntity } from "../../db/entities/task-culled-id.entity";
import { RowCodec } from "../../db/row-codec";
import { instantNow } from "../../dialect";
import { insertRows, query, TABLES } from "../sql";

export type CullReason = "count" | "size";

const CULLED_CATALOGUE = catalogueFor(taskCulledIdEntity("sqlite"));

/** Orders culling candidates: oldest `submitted` first, insertion order breaking ties (DictDB's get_history order, §7). */
const OLDEST_FIRST = `"submitted", "seq"`;

/**
 * IPython's DictDB culling (ipython-hub.md §12) for any store: after a write that adds records or changes buffer
 * sizes, cull the oldest records (by `submitted`) when a count or a size limit is exceeded, and remember their ids
 * so `taskResults` answers "culled". Records without `submitted` are never culled, as in DictDB; unlike DictDB, a
 * size cull that runs out of candidates stops instead of looping forever, and the culled ids live in the store
 * (one table per store), not in a class attribute shared by every instance in the process.
 */
export class TaskRetention {
  private readonly culledCodec: RowCodec;

  constructor(
    private readonly limits: RetentionLimits,
    dialect: Executor["dialect"],
  ) {
    this.culledCodec = new RowCodec(CULLED_CATALOGUE, dialect);
  }

  get enabled(): boolean {
    return this.limits.recordLimit !== null || this.limits.sizeLimit !== null;
  }

  /** Runs inside the writer's transaction, so a write and the cull it causes commit together. Returns culled ids. */
  async enforce(tx: Executor): Promise<string[]> {
    if (!this.enabled) return [];
    // Several gateways on one Postgres: serialise culls (held to the end of the transaction) so two writers do not
    // both cull a fraction for the same excess. SQLite has one writer already.
    if (tx.dialect === "postgres") await tx.query(`SELECT pg_advisory_xact_lock(hashtext('hubql.task_retention'))`);
    const { recordLimit, sizeLimit, cullFraction } = this.limits;
    const stats = await tx.query<{ n: number | string; bytes: number | string | null }>(
      `SELECT COUNT(*) AS "n", COALESCE(SUM("buffer_bytes"), 0) AS "bytes" FROM "${TABLES.taskRecords}"`,
    );
    const count = Number(stats[0]?.n ?? 0);
    let bytes = Number(stats[0]?.bytes ?? 0);
    const culled: string[] = [];
    if (recordLimit !== null && count > recordLimit) {
      // DictDB culls int(fraction × limit) and so never culls when that is 0, nor enough after a large batch;
      // cull at least the excess.
      const howMany = Math.max(count - recordLimit, Math.floor(cullFraction * recordLimit), 1);
      const rows = await this.cull(
        tx,
        (q) =>
          `SELECT "msg_id" FROM "${TABLES.taskRecords}" WHERE "submitted" IS NOT NULL ORDER BY ${OLDEST_FIRST} LIMIT ${q.bind(howMany)}`,
        "count",
      );
      bytes -= rows.reduce((sum, row) => sum + row.bytes, 0);
      culled.push(...rows.map((row) => row.msgId));
    }
    if (sizeLimit !== null && bytes > sizeLimit) {
      // DictDB culls one at a time until bytes ≤ limit × (1 − fraction): the oldest prefix whose bytes cover the
      // excess, chosen in one statement with a running sum.
      const excess = bytes - Math.floor(sizeLimit * (1 - cullFraction));
      const rows = await this.cull(
        tx,
        (q) => `SELECT "msg_id" FROM (
           SELECT "msg_id", SUM("buffer_bytes") OVER (ORDER BY ${OLDEST_FIRST} ROWS UNBOUNDED PRECEDING) - "buffer_bytes" AS "before"
           FROM "${TABLES.taskRecords}" WHERE "submitted" IS NOT NULL
         ) c WHERE c."before" < ${q.bind(excess)}`,
        "size",
      );
      culled.push(...rows.map((row) => row.msgId));
    }
    return culled;
  }

  private async cull(
    tx: Executor,
    candidates: Parameters<typeof query>[1],
    reason: CullReason,
  ): Promise<{ msgId: string; bytes: number }[]> {
    const deleted = await query<{ msgId: string; bytes: number | string }>(
      tx,
      (q) =>
        `DELETE FROM "${TABLES.taskRecords}" WHERE "msg_id" IN (${candidates(q)}) RETURNING "msg_id" AS "msgId", "buffer_bytes" AS "bytes"`,
    );
    const culledAt = instantNow();
    await insertRows(tx, {
      table: TABLES.taskCulledIds,
      codec: this.culledCodec,
      rows: deleted.map((row) => ({ msgId: row.msgId, culledAt, reason })),
      onConflict: `ON CONFLICT ("msg_id") DO UPDATE SET "culled_at" = excluded."culled_at", "reason" = excluded."reason"`,
    });
    return deleted.map((row) => ({ msgId: row.msgId, bytes: Number(row.bytes) }));
  }
}
