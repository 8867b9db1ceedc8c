import BetterSqlite3 from "better-sqlite3";

import { parseInstant } from "../../dialect";
import { unpickleBytesList } from "./python-pickle";
import { type TaskRecordData, TASK_RECORD_KEYS, propertyOfKey } from "./task-record.model";
import type { TasksService } from "./tasks.service";

/** SQLiteDB's default table (ipython-hub.md §14). */
export const IPYTHON_DEFAULT_TABLE = "ipython-tasks";

/** Rows read and written per step: one keyset page from the file, one atomic addTaskRecords. */
export const IMPORT_BATCH_SIZE = 500;

export interface ImportOptions {
  readonly table?: string;
  readonly batchSize?: number;
  /** Called after each batch with rows done so far and the table's row count. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ImportSummary {
  readonly table: string;
  readonly read: number;
  readonly added: number;
  /** Already in the store (an earlier import, or the same msg_id from elsewhere): left as they are. */
  readonly skipped: number;
  /** Columns of the file that are not TaskRecord keys (ignored, as SQLiteDB ignores unknown keys). */
  readonly ignoredColumns: string[];
  readonly seconds: number;
}

export class IpythonImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IpythonImportError";
  }
}

/** SQLiteDB's column kinds: `dict text` (JSON), `bufs blob` (pickled list of bytes), `timestamp` (ISO text). */
const DICT_KEYS = new Set(["header", "metadata", "content", "result_header", "result_metadata", "result_content"]);
/** Declared `text` by SQLiteDB but written through its dict adapter, so JSON too. */
const JSON_TEXT_KEYS = new Set(["execute_result", "error"]);
const BUFFER_KEYS = new Set(["buffers", "result_buffers"]);
const TIMESTAMP_KEYS = new Set(["submitted", "started", "completed", "received"]);

/**
 * Loads an ipyparallel SQLiteDB task table (ipython-hub.md §14) into the store through TasksService.add, so
 * validation and retention apply as for any other write. Idempotent: ids already in the store are skipped, never
 * overwritten, so a second run adds nothing. Each batch is atomic; a row that cannot be read stops the import
 * with its msg_id, and a rerun picks up after the batches that went in.
 */
export async function importIpythonTasks(
  tasks: TasksService,
  file: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const table = options.table ?? IPYTHON_DEFAULT_TABLE;
  const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
  let source: BetterSqlite3.Database;
  try {
    source = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new IpythonImportError(`Cannot open '${file}' as a SQLite database: ${(error as Error).message}`);
  }
  try {
    const columns = readColumns(source, table);
    const known = columns.filter((column) => (TASK_RECORD_KEYS as readonly string[]).includes(column));
    const quoted = quoteIdentifier(table);
    const total = Number((source.prepare(`SELECT COUNT(*) AS n FROM ${quoted}`).get() as { n: number }).n);
    const page = source.prepare(
      `SELECT ${known.map(quoteIdentifier).join(", ")} FROM ${quoted} WHERE "msg_id" > ? ORDER BY "msg_id" LIMIT ?`,
    );
    let after = "";
    let read = 0;
    let added = 0;
    for (;;) {
      const rows = page.all(after, batchSize) as Record<string, unknown>[];
      if (rows.length === 0) break;
      const records = rows.map(toRecord);
      after = records[records.length - 1]?.msgId ?? after;
      const existing = await tasks.getMany(
        records.map((record) => record.msgId),
        ["msgId"],
      );
      const fresh = records.filter((_, i) => existing[i] === null);
      if (fresh.length > 0) await tasks.add(fresh);
      read += records.length;
      added += fresh.length;
      options.onProgress?.(read, total);
    }
    return {
      table,
      read,
      added,
      skipped: read - added,
      ignoredColumns: columns.filter((column) => !known.includes(column)),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    source.close();
  }
}

function readColumns(source: BetterSqlite3.Database, table: string): string[] {
  const columns = (source.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map(
    (row) => row.name,
  );
  if (columns.length > 0) {
    if (!columns.includes("msg_id"))
      throw new IpythonImportError(`Table '${table}' has no msg_id column: not an ipyparallel task table`);
    return columns;
  }
  const tables = (
    source.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]
  ).map((row) => row.name);
  throw new IpythonImportError(
    `No table '${table}' in the file; its tables are: ${tables.length > 0 ? tables.join(", ") : "(none)"}. Name one with --table`,
  );
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function toRecord(row: Record<string, unknown>): TaskRecordData {
  const msgId = row["msg_id"];
  if (typeof msgId !== "string" || msgId.length === 0)
    throw new IpythonImportError(`A row has no msg_id (${String(msgId)})`);
  const record: Record<string, unknown> = { msgId };
  for (const [key, value] of Object.entries(row)) {
    if (key === "msg_id" || value === null) continue;
    const property = propertyOfKey(key) as string;
    try {
      record[property] = convert(key, value);
    } catch (error) {
      throw new IpythonImportError(`Row '${msgId}', column ${key}: ${(error as Error).message}`);
    }
  }
  return record as TaskRecordData;
}

function convert(key: string, value: unknown): unknown {
  if (DICT_KEYS.has(key) || JSON_TEXT_KEYS.has(key)) {
    const text = Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null) return null;
    if (typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not a JSON object");
    return parsed;
  }
  if (BUFFER_KEYS.has(key)) {
    if (!Buffer.isBuffer(value)) throw new Error("not a pickled list of bytes (expected a blob)");
    return unpickleBytesList(value).map((buffer) => buffer.toString("base64"));
  }
  if (TIMESTAMP_KEYS.has(key)) {
    // SQLiteDB writes ensure_timezone(dt).isoformat(): an offset is always there; an offset-less value is UTC.
    const instant = parseInstant(String(value));
    if (!instant) throw new Error(`'${String(value)}' is not an ISO-8601 datetime`);
    return instant;
  }
  return typeof value === "string" ? value : String(value);
}
