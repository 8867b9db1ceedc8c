import { RowCodec } from "../../db/row-codec";
import { badInput, limitExceeded, noData } from "../../errors";
import type { ServiceContext } from "../shared/service-context";
import { inList, query, rowsByKey, TABLES } from "../sql";
import { TASK_RECORD_CATALOGUE, type TaskRecordRow } from "./task-record.model";

export type TaskResultStatus = "PENDING" | "COMPLETED" | "UNKNOWN" | "CULLED";

/** What the Hub's result_request returns for an id (ipython-hub.md §10), flattened, plus timing and engine. */
export const TASK_RESULT_FIELDS = [
  "header",
  "metadata",
  "submitted",
  "started",
  "completed",
  "received",
  "engineUuid",
  "resultHeader",
  "resultMetadata",
  "resultContent",
  "resultBuffers",
  "executeInput",
  "executeResult",
  "error",
  "stdout",
  "stderr",
] as const satisfies readonly (keyof TaskRecordRow)[];

export type TaskResultField = (typeof TASK_RESULT_FIELDS)[number];

export type TaskResult = { msgId: string; status: TaskResultStatus } & Partial<Pick<TaskRecordRow, TaskResultField>>;

/**
 * `taskResults(msgIds)`: the Hub's get_result for tasks anyone submitted (ipython-hub.md §10), answering each id
 * with its own status — not the last record the DB returned (the Hub's stale-record bug) — and an unknown id
 * with UNKNOWN instead of failing the whole request. Two statements at most, whatever the number of ids.
 */
export class TaskResultsService {
  private readonly codec: RowCodec;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(TASK_RECORD_CATALOGUE, ctx.dialect);
  }

  /** Results in the order asked (a repeated id is answered each time); `fields` limits the columns read. */
  async results(msgIds: readonly string[], fields: readonly string[] = TASK_RESULT_FIELDS): Promise<TaskResult[]> {
    if (msgIds.length > this.ctx.limits.maxBatchSize) {
      throw limitExceeded(
        `taskResults takes at most ${this.ctx.limits.maxBatchSize} ids per call (HUBQL_MAX_BATCH_SIZE)`,
        {
          maximum: this.ctx.limits.maxBatchSize,
        },
      );
    }
    if (msgIds.some((id) => id.length === 0)) throw badInput("msgIds must not contain an empty id", "msgIds");
    // NoDB keeps no records, and hubql has no Hub memory to answer status from (ipython-hub.md §13).
    if (!this.ctx.db)
      throw noData(
        "taskResults reads the stored records, and the 'none' store (NoDB) keeps none: no status or result can be reported.",
      );
    const db = this.ctx.db;
    if (msgIds.length === 0) return [];
    const ids = [...new Set(msgIds)];
    const wanted = TASK_RESULT_FIELDS.filter((field) => fields.includes(field));
    const rows = await rowsByKey<TaskRecordRow, string>(db, {
      table: TABLES.taskRecords,
      codec: this.codec,
      property: "msgId",
      keys: ids,
      fields: ["msgId", ...new Set<TaskResultField>([...wanted, "completed"])],
    });
    const found = new Map(rows.flatMap((row) => (row ? [[row.msgId, row] as const] : [])));
    const missing = ids.filter((id) => !found.has(id));
    const culled = new Set<string>();
    if (missing.length > 0) {
      const culledRows = await query<{ msgId: string }>(
        db,
        (q) =>
          `SELECT "msg_id" AS "msgId" FROM "${TABLES.taskCulledIds}" WHERE ${inList(`"msg_id"`, missing).toSql(q)}`,
      );
      for (const row of culledRows) culled.add(row.msgId);
    }
    return msgIds.map((msgId): TaskResult => {
      const record = found.get(msgId);
      if (!record) return { msgId, status: culled.has(msgId) ? "CULLED" : "UNKNOWN" };
      const result: TaskResult = { msgId, status: record.completed ? "COMPLETED" : "PENDING" };
      for (const field of wanted) (result as Record<string, unknown>)[field] = record[field];
      return result;
    });
  }
}
