import { setImmediate as nextTurn } from "node:timers/promises";

import type { Executor, ScriptStatement } from "../../db/database";
import { isUniqueViolation } from "../../db/driver-errors";
import { RowCodec } from "../../db/row-codec";
import { badInput, InputReason, limitExceeded, notFound } from "../../errors";
import type { ServiceContext } from "../shared/service-context";
import {
  type Connection,
  countRows,
  inList,
  insertRows,
  insertStatements,
  queryPage,
  readFields,
  ROWS_PER_INSERT,
  rowsByKey,
  run,
  selectRows,
  sqlCondition,
  type SortKey,
  sortKeys,
  TABLES,
} from "../sql";
import { linkResubmissions, setByMsgId } from "./resubmission-links";
import {
  BUFFER_PROPERTIES,
  bufferBytes,
  type NewTaskRecord,
  propertyOfKey,
  TASK_RECORD_CATALOGUE,
  TASK_RECORD_FIELDS,
  TASK_RECORD_KEYS,
  TASK_RECORD_READ_CATALOGUE,
  TASK_RECORD_SORT_FIELDS,
  TASK_RECORD_STORAGE_CATALOGUE,
  type TaskRecordData,
  type TaskRecordOrder,
  type TaskRecordPatch,
  type TaskRecordRow,
} from "./task-record.model";
import { TaskRetention } from "./retention";

export type TaskRecordNode = Partial<TaskRecordRow> & { msgId: string };

/**
 * The Hub's order (ipython-hub.md §7): `find_records` answers in insertion order (SQLiteDB scans its rowids, DictDB
 * iterates its dict), `get_history` by `submitted` with insertion order among equal instants. `seq` is the
 * insertion sequence.
 */
const INSERTION_ORDER = `t."seq"`;
const SUBMIT_ORDER = `t."submitted", t."seq"`;

export interface ListTaskRecordsArgs {
  readonly filter?: unknown;
  readonly orderBy?: readonly TaskRecordOrder[] | null;
  readonly first?: number | null;
  readonly after?: string | null;
  /** Properties to read; all when omitted. Sort keys and msgId are always read. */
  readonly fields?: readonly (keyof TaskRecordRow)[];
}

const WRITABLE = TASK_RECORD_FIELDS;

/** Records `dbQuery` reads per statement: the read budget is checked between chunks (src/db/read-budget.ts). */
export const DB_QUERY_CHUNK = 500;

/** An explicit page of a whole-answer list (`dbQuery`, `taskHistory`): `limit` records from `offset`. */
export interface RecordPage {
  readonly limit?: number | null;
  readonly offset?: number | null;
}

function checkedPage(page: RecordPage): { limit?: number; offset?: number } {
  const { limit, offset } = page;
  if (limit !== null && limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw badInput("'limit' must be a non-negative integer", "limit");
  }
  if (offset !== null && offset !== undefined && (!Number.isInteger(offset) || offset < 0)) {
    throw badInput("'offset' must be a non-negative integer", "offset");
  }
  const result: { limit?: number; offset?: number } = {};
  if (limit !== null && limit !== undefined) result.limit = limit;
  if (offset) result.offset = offset;
  return result;
}

/**
 * Task records as the IPython Hub keeps them (ipython-hub.md §1–7), with the differences of §15: Mongo filter
 * semantics, instants compared as instants, `{}` selects everything, bulk adds are atomic.
 */
export class TasksService {
  private readonly codec: RowCodec;
  /** Every column, `bufferBytes` included (what inserts write). */
  private readonly bookkeeping: RowCodec;
  private readonly retention: TaskRetention;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(TASK_RECORD_READ_CATALOGUE, ctx.dialect);
    this.bookkeeping = new RowCodec(TASK_RECORD_STORAGE_CATALOGUE, ctx.dialect);
    this.retention = new TaskRetention(ctx.limits.retention, ctx.dialect);
  }

  async list(args: ListTaskRecordsArgs): Promise<Connection<TaskRecordNode>> {
    const keys = this.sortKeys(args.orderBy);
    return queryPage<TaskRecordNode>(this.ctx.requireDb(), {
      table: TABLES.taskRecords,
      codec: this.codec,
      fields: readFields(this.codec, args.fields, ["msgId", ...keys.map((key) => key.property)]),
      where: this.ctx.where(args.filter, TASK_RECORD_CATALOGUE),
      keys,
      first: args.first,
      after: args.after,
      limits: this.ctx.limits,
    });
  }

  async count(filter: unknown): Promise<number> {
    const db = this.ctx.requireDb();
    return countRows(db, TABLES.taskRecords, this.ctx.where(filter, TASK_RECORD_CATALOGUE));
  }

  async get(msgId: string, fields?: readonly (keyof TaskRecordRow)[]): Promise<TaskRecordNode | null> {
    return (await this.getMany([msgId], fields))[0] ?? null;
  }

  /** Records for ids in the order asked (null where unknown), in one statement: DataLoader and `_entities` use it. */
  async getMany(msgIds: readonly string[], fields?: readonly string[]): Promise<(TaskRecordNode | null)[]> {
    const db = this.ctx.requireDb();
    return rowsByKey<TaskRecordNode, string>(db, {
      table: TABLES.taskRecords,
      codec: this.codec,
      property: "msgId",
      keys: msgIds,
      fields: readFields(this.codec, fields, ["msgId"]),
    });
  }

  /**
   * Every msg_id by `submitted`, oldest first, like `Client.hub_history()`. Records without a submit time (an
   * IOPub-first orphan) are left out, as DictDB — IPython's default store — does; ties keep insertion order, as in
   * the Hub. Whole, or the page `page` asks for; bounded by the request's read budget (HUBQL_MAX_READ_BYTES), never
   * cut short.
   */
  async history(page: RecordPage = {}): Promise<string[]> {
    const db = this.ctx.requireDb();
    const rows = await selectRows<{ msgId: string }>(db, {
      table: TABLES.taskRecords,
      codec: this.codec,
      fields: ["msgId"],
      where: sqlCondition(() => `t."submitted" IS NOT NULL`),
      orderBy: SUBMIT_ORDER,
      ...checkedPage(page),
    });
    return rows.map((row) => row.msgId);
  }

  /**
   * IPython's `db_query(query, keys)`: records as dicts with the Hub's snake_case keys. `msg_id` is always there;
   * `buffers`/`result_buffers` only when named in `keys` (the Hub pops them otherwise); `keys: []` is the same as
   * none (DictDB's reading, not SQLiteDB's list of empty dicts). Datetimes come back as RFC 3339 strings with
   * microseconds. Records come in insertion order, whatever the filter, as SQLiteDB and DictDB return them (not
   * by `submitted`: docs/hub-operations.md, "Order").
   *
   * Whole (the Hub's clients expect complete answers) or the page `page` asks for. Memory is bounded by the
   * request's read budget (HUBQL_MAX_READ_BYTES → LIMIT_EXCEEDED): the matching ids are read first, then the records
   * in chunks of DB_QUERY_CHUNK, so a request stops within a chunk of its budget however large the records.
   */
  async dbQuery(
    query: unknown,
    keys: readonly string[] | null | undefined,
    page: RecordPage = {},
  ): Promise<Record<string, unknown>[]> {
    const requested = keys && keys.length > 0 ? keys : null;
    const unknown = (requested ?? []).filter((key) => !(TASK_RECORD_KEYS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      throw badInput(
        `Bad record key(s): ${unknown.map((k) => `'${k}'`).join(", ")}; valid keys are ${TASK_RECORD_KEYS.join(", ")}`,
        "keys",
        { reason: InputReason.UNKNOWN_KEY },
      );
    }
    const where = this.ctx.where(query ?? {}, TASK_RECORD_CATALOGUE);
    const db = this.ctx.requireDb();
    const wanted = requested
      ? ["msg_id", ...requested.filter((key) => key !== "msg_id")]
      : TASK_RECORD_KEYS.filter((key) => key !== "buffers" && key !== "result_buffers");
    const properties = [...new Set(wanted)].map((key) => propertyOfKey(key) as keyof TaskRecordRow);
    const ids = await selectRows<{ msgId: string }>(db, {
      table: TABLES.taskRecords,
      codec: this.codec,
      fields: ["msgId"],
      where,
      orderBy: INSERTION_ORDER,
      ...checkedPage(page),
    });
    const records: Record<string, unknown>[] = [];
    for (let start = 0; start < ids.length; start += DB_QUERY_CHUNK) {
      const rows = await rowsByKey<Record<string, unknown>, string>(db, {
        table: TABLES.taskRecords,
        codec: this.codec,
        property: "msgId",
        keys: ids.slice(start, start + DB_QUERY_CHUNK).map((row) => row.msgId),
        fields: properties,
      });
      for (const row of rows) {
        if (!row) continue; // purged between the two reads
        const record: Record<string, unknown> = {};
        for (const key of new Set(wanted)) {
          // Instants are already their wire text (src/dialect/instant.ts): no conversion per value.
          record[key] = row[propertyOfKey(key) as string];
        }
        records.push(record);
      }
    }
    return records;
  }

  /**
   * Adds records atomically: a duplicate id (in the batch or already stored) or an invalid record rejects the whole
   * batch and nothing is written. With the `none` store the records are accepted and dropped.
   */
  async add(records: readonly TaskRecordData[]): Promise<TaskRecordNode[]> {
    if (records.length > this.ctx.limits.maxBatchSize) {
      throw limitExceeded(
        `addTaskRecords takes at most ${this.ctx.limits.maxBatchSize} records per call (HUBQL_MAX_BATCH_SIZE)`,
        {
          maximum: this.ctx.limits.maxBatchSize,
        },
      );
    }
    // One pass: each record is checked, then completed (the row the INSERT writes and the mutation answers).
    const seen = new Map<string, number>();
    const rows = new Array<NewTaskRecord>(records.length);
    for (let index = 0; index < records.length; index++) {
      // A turn of the event loop every ROWS_PER_INSERT records: 2,000 records took 12–15 ms in one stretch.
      if (index > 0 && index % ROWS_PER_INSERT === 0) await nextTurn();
      const record = records[index] as TaskRecordData;
      validateRecord(record, index);
      const earlier = seen.get(record.msgId);
      if (earlier !== undefined) {
        throw badInput(
          `records[${index}] repeats msg_id '${record.msgId}' of records[${earlier}]; nothing was added`,
          "records",
          { index, reason: InputReason.DUPLICATE_ID },
        );
      }
      seen.set(record.msgId, index);
      rows[index] = completeRecord(record);
    }
    const db = this.ctx.db;
    if (!db || rows.length === 0) return rows;
    // No look-up first: the INSERT's unique key refuses a known id (and the transaction rolls back), and only then
    // are the known ids looked up for the message. Saves a 1,000-id SELECT per batch.
    try {
      await db.transaction((tx) => this.insertWithin(tx, rows));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await selectRows<{ msgId: string }>(db, {
        table: TABLES.taskRecords,
        codec: this.codec,
        fields: ["msgId"],
        where: inList(
          `t."msg_id"`,
          rows.map((row) => row.msgId),
        ),
      });
      const ids = existing.map((row) => row.msgId);
      // None left: another writer's record came and went since; say so without naming it.
      if (ids.length === 0) {
        throw badInput("A msg_id in the batch already exists; nothing was added", "records", {
          reason: InputReason.DUPLICATE_ID,
        });
      }
      throw badInput(`Already have msg_id ${ids.map((id) => `'${id}'`).join(", ")}; nothing was added`, "records", {
        msgIds: ids,
        reason: InputReason.DUPLICATE_ID,
      });
    }
    return rows;
  }

  /**
   * `update_record(msg_id, patch)`; an unknown id is NOT_FOUND (SQLiteDB's silent no-op is not copied). Returns the
   * record as stored after the update, only `fields` (and msgId) when given: the Hub updates a record several times
   * per task and wants none of it back. Setting `resubmitted = X` also sets X's `resubmittedFrom` (the Hub
   * resubmits by add + update, `linkResubmissions`).
   */
  async update(
    msgId: string,
    patch: TaskRecordPatch,
    fields?: readonly (keyof TaskRecordRow)[],
  ): Promise<TaskRecordNode> {
    validatePatch(patch);
    const db = this.ctx.db;
    if (!db) return { msgId, ...patch };
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as [
      keyof TaskRecordRow,
      unknown,
    ][];
    const touchesBuffers = entries.some(([property]) => (BUFFER_PROPERTIES as readonly string[]).includes(property));
    return db.transaction(async (tx) => {
      let bytes = 0;
      if (touchesBuffers) {
        // DictDB recounts the size on every update; keep buffer_bytes equal to what is stored now.
        const row = (await this.getWithin(tx, msgId, ["msgId", "buffers", "resultBuffers"])) as TaskRecordRow | null;
        if (!row) throw notFound(`No task record with msg_id '${msgId}'`, { msgId });
        bytes = bufferBytes(
          patch.buffers !== undefined ? patch.buffers : row.buffers,
          patch.resultBuffers !== undefined ? patch.resultBuffers : row.resultBuffers,
        );
      }
      if (entries.length > 0) {
        const result = await run(tx, (q) => {
          const sets = entries.map(
            ([property, value]) =>
              `"${this.codec.field(property).column}" = ${q.bind(this.codec.encode(property, value))}`,
          );
          if (touchesBuffers) sets.push(`"buffer_bytes" = ${q.bind(bytes)}`);
          return `UPDATE "${TABLES.taskRecords}" SET ${sets.join(", ")} WHERE "msg_id" = ${q.bind(msgId)}`;
        });
        if (result.affected === 0) throw notFound(`No task record with msg_id '${msgId}'`, { msgId });
        // The resubmission names this original (the back link of `linkResubmissions`).
        if (patch.resubmitted && patch.resubmitted !== msgId)
          await setByMsgId(tx, "resubmitted_from", [[patch.resubmitted, msgId]]);
      }
      const updated = await this.getWithin(tx, msgId, readFields(this.codec, fields, ["msgId"]));
      if (!updated) throw notFound(`No task record with msg_id '${msgId}'`, { msgId });
      // DictDB recounts sizes on update and may cull (ipython-hub.md §12).
      if (touchesBuffers) await this.retention.enforce(tx);
      return updated;
    });
  }

  private async getWithin(tx: Executor, msgId: string, fields: readonly string[]): Promise<TaskRecordNode | null> {
    const [row] = await rowsByKey<TaskRecordNode, string>(tx, {
      table: TABLES.taskRecords,
      codec: this.codec,
      property: "msgId",
      keys: [msgId],
      fields,
    });
    return row ?? null;
  }

  /**
   * Inserts complete rows (see `completeRecord`) inside the caller's transaction, in order (the store numbers
   * `seq` as they come), links resubmissions both ways (`linkResubmissions`), then applies retention
   * (ipython-hub.md §12). The caller has made sure the ids are new; resubmit and the importer use this too.
   */
  async insertWithin(tx: Executor, rows: readonly NewTaskRecord[]): Promise<void> {
    await insertRows(tx, {
      table: TABLES.taskRecords,
      codec: this.bookkeeping,
      properties: rows.some((row) => row.importFingerprint) ? INSERTED_BY_IMPORT : INSERTED,
      rows,
    });
    await linkResubmissions(tx, rows);
    await this.retention.enforce(tx);
  }

  /**
   * insertWithin's INSERTs of imported rows as statements of a script (Database.pipeline), for rows hubql may
   * already hold: those are left as they are (`ON CONFLICT DO NOTHING`), and the msg_ids written come back. The
   * caller links and culls.
   */
  importStatements(rows: readonly NewTaskRecord[]): ScriptStatement[] {
    const statements = insertStatements(this.ctx.dialect, {
      table: TABLES.taskRecords,
      codec: this.bookkeeping,
      properties: INSERTED_BY_IMPORT,
      rows,
      onConflict: `ON CONFLICT ("msg_id") DO NOTHING`,
      returning: ["msgId"],
    });
    return statements.map((statement) => statement());
  }

  private sortKeys(orderBy: readonly TaskRecordOrder[] | null | undefined): SortKey[] {
    const order = orderBy && orderBy.length > 0 ? orderBy : [{ field: "SUBMITTED", descending: false } as const];
    return sortKeys(
      this.codec,
      order.map(({ field, descending }) => ({ property: TASK_RECORD_SORT_FIELDS[field], descending, label: field })),
      { property: "seq" },
    );
  }
}

const INSERTED = [...WRITABLE, "bufferBytes"];
const INSERTED_BY_IMPORT = [...INSERTED, "importFingerprint"];

/**
 * Every field of a new record, absent ones null. One object literal, so every row has one fixed shape: filled a
 * property at a time, 25 keyed stores turned each row into a dictionary-mode object (about 2.6 KB of heap a row,
 * measured with V8's heap sampling during an import), slower to read and heavier on the garbage collector.
 */
export function completeRecord(record: TaskRecordData): NewTaskRecord {
  return {
    msgId: record.msgId,
    header: record.header ?? null,
    metadata: record.metadata ?? null,
    content: record.content ?? null,
    buffers: record.buffers ?? null,
    submitted: record.submitted ?? null,
    clientUuid: record.clientUuid ?? null,
    engineUuid: record.engineUuid ?? null,
    started: record.started ?? null,
    completed: record.completed ?? null,
    resubmitted: record.resubmitted ?? null,
    received: record.received ?? null,
    resultHeader: record.resultHeader ?? null,
    resultMetadata: record.resultMetadata ?? null,
    resultContent: record.resultContent ?? null,
    resultBuffers: record.resultBuffers ?? null,
    queue: record.queue ?? null,
    executeInput: record.executeInput ?? null,
    executeResult: record.executeResult ?? null,
    error: record.error ?? null,
    // The Hub's init_record starts both streams empty; IOPub `stream` messages append to them.
    stdout: record.stdout ?? "",
    stderr: record.stderr ?? "",
    label: record.label ?? null,
    resubmittedFrom: record.resubmittedFrom ?? null,
    bufferBytes: bufferBytes(record.buffers, record.resultBuffers),
    importFingerprint: null,
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Longest msg_id accepted, in characters: a key is indexed, and a Postgres B-tree entry holds at most ~2,700 bytes
 * (a 1 MB msg_id failed as an internal error). 512 characters fit in any encoding; IPython's are 36-character uuids.
 */
export const MAX_MSG_ID_LENGTH = 512;

function validateRecord(record: TaskRecordData, index: number): void {
  if (typeof record.msgId !== "string" || record.msgId.length === 0) {
    throw badInput(`records[${index}].msgId must be a non-empty string; nothing was added`, "records", { index });
  }
  if (record.msgId.length > MAX_MSG_ID_LENGTH) {
    throw badInput(
      `records[${index}].msgId is longer than ${MAX_MSG_ID_LENGTH} characters; nothing was added`,
      "records",
      { index, maximum: MAX_MSG_ID_LENGTH },
    );
  }
  validateBuffers(record, `records[${index}]`, "records");
}

function validatePatch(patch: TaskRecordPatch): void {
  if ("msgId" in patch) throw badInput("msgId cannot be changed", "patch");
  validateBuffers(patch, "patch", "patch");
}

function validateBuffers(record: TaskRecordPatch, where: string, argument: string): void {
  for (const property of BUFFER_PROPERTIES) {
    const list = record[property];
    list?.forEach((item, i) => {
      if (!BASE64.test(item)) throw badInput(`${where}.${property}[${i}] is not base64`, argument);
    });
  }
}
