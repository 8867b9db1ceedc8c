import { randomUUID } from "node:crypto";

import type { Executor } from "../../db/database";
import { RowCodec } from "../../db/row-codec";
import { formatInstant, type Instant, instantNow } from "../../dialect";
import { noData, notFound } from "../../errors";
import { checkMatched, readLimit, resolveSelection, selectionCondition } from "../shared/selection";
import type { ServiceContext } from "../shared/service-context";
import { type Condition, inList, selectRows, TABLES } from "../sql";
import { setByMsgId } from "./resubmission-links";
import { TASK_RECORD_CATALOGUE, type TaskRecordRow } from "./task-record.model";
import { completeRecord, TasksService } from "./tasks.service";

export interface ResubmitArgs {
  readonly msgIds?: readonly string[] | null;
  readonly filter?: unknown;
  /** Refuse, changing nothing, when more records than this match; 0: no limit. */
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
  private readonly tasks: TasksService;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(TASK_RECORD_CATALOGUE, ctx.dialect);
    this.tasks = new TasksService(ctx);
  }

  async resubmit(args: ResubmitArgs): Promise<ResubmitResult> {
    const maxBatch = this.ctx.limits.maxBatchSize;
    const selection = resolveSelection<string>(
      { ids: args.msgIds, filter: args.filter, maxLimit: args.maxLimit, dryRun: args.dryRun },
      {
        idsArgument: "msgIds",
        allowsAll: false,
        verb: "resubmit",
        noun: "records",
        maxIds: maxBatch,
        filter: {
          given: args.filter !== undefined && args.filter !== null,
          condition: this.ctx.where(args.filter, TASK_RECORD_CATALOGUE),
        },
      },
    );
    const dryRun = selection.dryRun;
    // The Hub's find_records fails on NoDB, so its resubmit does (ipython-hub.md §13).
    if (!this.ctx.db) throw noData("Resubmitting copies the original records, and the 'none' store (NoDB) keeps none.");
    // A repeated id is resubmitted once (the Hub's count check reports "No such msg(s): []" instead).
    const ids = selection.target.kind === "ids" ? [...new Set(selection.target.ids)] : null;
    if (ids) checkMatched(selection, ids.length);
    const condition = selectionCondition(selection, (named) => inList(`t."msg_id"`, named));
    return this.ctx.db.transaction(async (tx) => {
      const originals = await this.readOriginals(tx, condition, ids ? null : readLimit(selection, maxBatch));
      const ordered = ids ? this.inRequestOrder(ids, originals) : originals;
      if (!ids) checkMatched(selection, ordered.length, maxBatch);
      if (dryRun) return { resubmitted: ordered.map((original) => ({ original: original.msgId, new: null })), dryRun };
      const now = instantNow();
      const rows = ordered.map((original) => completeRecord(newRecord(original, randomUUID(), now)));
      // original.resubmitted = new id, overwriting an earlier resubmission's id as the Hub does.
      await setByMsgId(
        tx,
        "resubmitted",
        rows.map((row) => [row.resubmittedFrom as string, row.msgId] as const),
      );
      await this.tasks.insertWithin(tx, rows);
      return { resubmitted: rows.map((row) => ({ original: row.resubmittedFrom as string, new: row.msgId })), dryRun };
    });
  }

  private async readOriginals(tx: Executor, condition: Condition, limit: number | null): Promise<Original[]> {
    // FOR UPDATE: two gateways resubmitting the same original serialise, so `resubmitted` names the later one.
    return selectRows<Original>(tx, {
      table: TABLES.taskRecords,
      codec: this.codec,
      fields: ["msgId", "header", "content", "buffers", "clientUuid"],
      where: condition,
      orderBy: `t."submitted", t."seq"`,
      ...(limit === null ? {} : { limit }),
      forUpdate: true,
    });
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
}

/**
 * What the Hub's init_record makes of the resubmitted message, with what its monitor copy fills in later:
 * client_uuid = header.session, the original submitter (ipython-hub.md §9).
 */
function newRecord(original: Original, msgId: string, now: Instant) {
  const header: Record<string, unknown> = { ...original.header, msg_id: msgId, date: formatInstant(now) };
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
