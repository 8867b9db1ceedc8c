import { randomUUID } from "node:crypto";

import type { Executor } from "../../db/database";
import { RowCodec } from "../../db/row-codec";
import { badInput, limitExceeded, noData, notFound } from "../../errors";
import type { SqlCondition } from "../../filter/types";
import type { ServiceContext } from "../service-context";
import { TASK_RECORD_CATALOGUE, type TaskRecordRow } from "./task-record.model";
import { completeRecord, TaskRecordService } from "./task-record.service";
import { isEmptyFilter, TASKS, validateMaxLimit } from "./task-selection";

export interface ResubmitArgs {
  readonly msgIds?: readonly string[] | null;
  readonly filter?: unknown;
  /** Refuse, changing nothing, when more records than this match. */
  readonly maxLimit?: number | null;
  readonly dryRun?: boolean | null;
}

export interface Resubmission {
  readonly original: string;
  /** The new record's msg_id; null in a dry run. */
  readonly new: string | null;
}

export interface ResubmitResult {
  readonly resubmitted: Resubmission[];
  readonly dryRun: boolean;
}

/** Pairs per `UPDATE … CASE` statement (2 parameters each plus the IN list). */
const LINK_CHUNK = 400;

type Original = Pick<TaskRecordRow, "msgId" | "header" | "content" | "buffers" | "clientUuid">;

/**
 * `resubmitTasks` (ipython-hub.md §9 and §15): per original a new record with a fresh msg_id and submit time, the
 * original's header with only msg_id and date replaced, its content and buffers, empty metadata (so no label),
 * queue 'task'. The original's `resubmitted` names the new id and the new record's `resubmittedFrom` names the
 * original. Pending originals may be resubmitted, and so may resubmissions (chains). All or nothing, in one
 * transaction: an unknown id rejects the whole request.
 */
export class TaskResubmitService {
  private readonly codec: RowCodec;
  /** Inserts the new records the way addTaskRecords does, retention included. */
  private readonly tasks: TaskRecordService;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(TASK_RECORD_CATALOGUE, ctx.dialect);
    this.tasks = new TaskRecordService(ctx);
  }

  async resubmit(args: ResubmitArgs): Promise<ResubmitResult> {
    const selection = this.selection(args);
    validateMaxLimit(args.maxLimit);
    const dryRun = args.dryRun ?? false;
    // The Hub's find_records fails on NoDB, so its resubmit does (ipython-hub.md §13).
    if (!this.ctx.db) throw noData("Resubmitting copies the original records, and the 'none' store (NoDB) keeps none.");
    const maxBatch = this.ctx.limits.maxBatchSize;
    const maxLimit = args.maxLimit ?? null;
    if (selection.ids && maxLimit !== null && selection.ids.length > maxLimit) {
      throw limitExceeded(
        `${selection.ids.length} ids given, more than maxLimit ${maxLimit}; nothing was resubmitted`,
        { maximum: maxLimit },
      );
    }
    return this.ctx.db.transaction(async (tx) => {
      const originals = await this.readOriginals(tx, selection.condition, Math.min(maxLimit ?? maxBatch, maxBatch) + 1);
      const ordered = selection.ids ? this.inRequestOrder(selection.ids, originals) : originals;
      if (!selection.ids) {
        if (maxLimit !== null && ordered.length > maxLimit) {
          throw limitExceeded(`More than maxLimit ${maxLimit} records match; nothing was resubmitted`, {
            maximum: maxLimit,
          });
        }
        if (ordered.length > maxBatch) {
          throw limitExceeded(`More than ${maxBatch} records match (HUBQL_MAX_BATCH_SIZE); nothing was resubmitted`, {
            maximum: maxBatch,
          });
        }
      }
      if (dryRun) return { resubmitted: ordered.map((original) => ({ original: original.msgId, new: null })), dryRun };
      const now = new Date();
      const rows = ordered.map((original) => completeRecord(newRecord(original, randomUUID(), now)));
      await this.link(tx, rows);
      await this.tasks.insertWithin(tx, rows);
      return { resubmitted: rows.map((row) => ({ original: row.resubmittedFrom as string, new: row.msgId })), dryRun };
    });
  }

  private selection(args: ResubmitArgs): { condition: SqlCondition; ids: string[] | null } {
    const hasIds = args.msgIds !== undefined && args.msgIds !== null;
    const hasFilter = args.filter !== undefined && args.filter !== null;
    if (hasIds === hasFilter) {
      throw badInput(
        hasIds ? "Give msgIds or filter, not both; nothing was resubmitted" : "Say what to resubmit: msgIds or filter",
        "msgIds",
      );
    }
    if (args.msgIds) {
      if (args.msgIds.length === 0) throw badInput("msgIds is empty; nothing was resubmitted", "msgIds");
      if (args.msgIds.length > this.ctx.limits.maxBatchSize) {
        throw limitExceeded(`msgIds takes at most ${this.ctx.limits.maxBatchSize} ids (HUBQL_MAX_BATCH_SIZE)`, {
          maximum: this.ctx.limits.maxBatchSize,
        });
      }
      // A repeated id is resubmitted once (the Hub's count check reports "No such msg(s): []" instead).
      const ids = [...new Set(args.msgIds)];
      return { condition: { sql: `t."msg_id" IN (:...resubmitIds)`, params: { resubmitIds: ids } }, ids };
    }
    if (isEmptyFilter(args.filter)) {
      throw badInput(
        "An empty filter would resubmit every record; name what to resubmit. Nothing was resubmitted",
        "filter",
      );
    }
    return { condition: this.ctx.where(args.filter, TASK_RECORD_CATALOGUE), ids: null };
  }

  private async readOriginals(tx: Executor, condition: SqlCondition, limit: number): Promise<Original[]> {
    // FOR UPDATE: two gateways resubmitting the same original serialise, so `resubmitted` names the later one.
    const lock = tx.dialect === "postgres" ? " FOR UPDATE" : "";
    const rows = await tx.query(
      `SELECT ${this.codec.selectList(["msgId", "header", "content", "buffers", "clientUuid"])} FROM ${TASKS}
       WHERE ${condition.sql} ORDER BY t."submitted", t."msg_id" LIMIT ${limit}${lock}`,
      condition.params,
    );
    return rows.map((row) => this.codec.decode<Original>(row));
  }

  private inRequestOrder(ids: readonly string[], originals: readonly Original[]): Original[] {
    const byId = new Map(originals.map((original) => [original.msgId, original]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length > 0) {
      throw notFound(`No such msg(s): ${missing.map((id) => `'${id}'`).join(", ")}; nothing was resubmitted`, {
        msgIds: missing,
      });
    }
    return ids.map((id) => byId.get(id) as Original);
  }

  /** original.resubmitted = new id, overwriting an earlier resubmission's id as the Hub does. */
  private async link(tx: Executor, rows: readonly TaskRecordRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += LINK_CHUNK) {
      const chunk = rows.slice(start, start + LINK_CHUNK);
      const params: Record<string, unknown> = { originals: chunk.map((row) => row.resubmittedFrom) };
      const cases = chunk.map((row, i) => {
        params[`o${i}`] = row.resubmittedFrom;
        params[`n${i}`] = row.msgId;
        return `WHEN :o${i} THEN :n${i}`;
      });
      await tx.run(
        `UPDATE "task_records" SET "resubmitted" = CASE "msg_id" ${cases.join(" ")} END WHERE "msg_id" IN (:...originals)`,
        params,
      );
    }
  }
}

/**
 * What the Hub's init_record makes of the resubmitted message, with what its monitor copy fills in later:
 * client_uuid = header.session, the original submitter (ipython-hub.md §9).
 */
function newRecord(original: Original, msgId: string, now: Date) {
  const header: Record<string, unknown> = { ...original.header, msg_id: msgId, date: now.toISOString() };
  const session = typeof header["session"] === "string" ? header["session"] : original.clientUuid;
  return {
    msgId,
    header,
    metadata: {},
    content: original.content,
    buffers: original.buffers,
    submitted: now,
    clientUuid: session,
    queue: "task",
    resubmittedFrom: original.msgId,
  };
}
