import BetterSqlite3 from "better-sqlite3";

import { type Instant, parseInstant, plainStringList } from "../../dialect";
import { unpickleBytesList } from "./python-pickle";
import { propertyOfKey, TASK_RECORD_KEYS, type TaskRecordData } from "./task-record.model";

/** SQLiteDB's default table (ipython-hub.md §14). */
export const IPYTHON_DEFAULT_TABLE = "ipython-tasks";

export class IpythonImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IpythonImportError";
  }
}

/**
 * One step of a table, in the Hub's insertion (rowid) order: `next()` gives its rows one at a time as records (a row
 * that does not convert throws there), reading them from the file a few at a time, so that a caller can convert a
 * few between other work: no call holds the event loop for more than ROWS_PER_READ rows.
 */
export interface SourceChunk {
  /** The next row as a record; null after the chunk's last. */
  next(): TaskRecordData | null;
  /** The rowid of the last row `next()` gave (where the next chunk starts). */
  readonly lastRowid: number;
}

/**
 * Rows per statement while a chunk is read: a chunk read whole held the event loop for all of its rows at once
 * (a chunk may hold megabytes), where requests and the store's answers to the import's own writes wait. 64 rows of
 * SQLiteDB's 23 columns with 2.5 KB of buffers each take 0.6 ms a read (p50; at most 1.9–3.4 ms). Each read is a
 * statement of its own, so fewer, larger reads cost less: 20,000 such rows took 257–283 ms 64 at a time against
 * 301–407 ms 16 at a time, and the whole import about 2 % less (six interleaved rounds, medians 1.97 and 2.01 s).
 */
const ROWS_PER_READ = 64;

/**
 * The file is read through a memory map up to this size (the rest, if any, by reads): SQLite takes each page from
 * the map instead of a read() into its cache. 20,000 rows of 2.5 KB of buffers (an 83 MB file) were read in
 * 250–310 ms so, 376–443 ms by reads, and the import took 1.46–1.66 s against 1.63–1.92 s (five interleaved rounds).
 * A Hub writing the file meanwhile is safe: each read is a transaction of its own, and SQLite maps the file anew
 * when it changed before it reads again (VACUUMs shrinking it meanwhile: import-ipython.test.ts). A file cut short
 * outside SQLite between two reads ends the import with "database disk image is malformed", as by reads; cut short
 * during a read (a statement of about 0.6 ms), the process can die of SIGBUS. The batches written stay either way.
 */
const MAP_BYTES = 1 << 30;

/** SQLiteDB's column kinds: `dict text` (JSON), `bufs blob` (pickled list of bytes), `timestamp` (ISO text). */
const DICT_KEYS = new Set(["header", "metadata", "content", "result_header", "result_metadata", "result_content"]);
/** Declared `text` by SQLiteDB but written through its dict adapter, so JSON too. */
const JSON_TEXT_KEYS = new Set(["execute_result", "error"]);
const BUFFER_KEYS = new Set(["buffers", "result_buffers"]);
const TIMESTAMP_KEYS = new Set(["submitted", "started", "completed", "received"]);

/**
 * An ipyparallel SQLiteDB task database (ipython-hub.md §14), opened read-only. Tables are read in rowid order —
 * the order the Hub inserted them in, which the import keeps as hubql's insertion order — by keyset pages, each a
 * short statement: a live Hub may still be writing the file, and a reader that held it open between pages would
 * block the Hub's commits.
 */
export class IpythonSource {
  private constructor(
    private readonly db: BetterSqlite3.Database,
    readonly file: string,
  ) {}

  static open(file: string): IpythonSource {
    try {
      const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
      db.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get(); // fails here when the file is not SQLite
      db.pragma(`mmap_size = ${MAP_BYTES}`);
      return new IpythonSource(db, file);
    } catch (error) {
      throw new IpythonImportError(`Cannot open '${file}' as a SQLite database: ${(error as Error).message}`);
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * The task tables (those with a msg_id column): `ipython-tasks`, then `ipython-tasks_1`, `_2`, … (ipyparallel
   * 9.1 on SQLite ≥ 3.40 opens one per controller start) in number order, then any others by name.
   */
  taskTables(): string[] {
    const tables = this.tableNames().filter((table) => this.columns(table).includes("msg_id"));
    return tables.sort(byRunOrder);
  }

  /** The file's tables, for messages. */
  tableNames(): string[] {
    return (
      this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]
    )
      .map((row) => row.name)
      .filter((name) => !name.startsWith("sqlite_"));
  }

  /** The table's columns; refuses a table that is missing or has no msg_id. */
  checkedColumns(table: string): string[] {
    const columns = this.columns(table);
    if (columns.length === 0) {
      const tables = this.tableNames();
      throw new IpythonImportError(
        `No table '${table}' in the file; its tables are: ${tables.length > 0 ? tables.join(", ") : "(none)"}. Name one with --table, or import every task table with --all-tables`,
      );
    }
    if (!columns.includes("msg_id"))
      throw new IpythonImportError(`Table '${table}' has no msg_id column: not an ipyparallel task table`);
    return columns;
  }

  count(table: string): number {
    return Number((this.db.prepare(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(table)}`).get() as { n: number }).n);
  }

  /**
   * The table's rows in chunks, in rowid order (the Hub's insertion order). A chunk starts after the last row taken
   * from the one before, so rows left in a chunk are the next one's first.
   */
  *chunks(table: string, columns: readonly string[], maxRows: number, maxBytes: number): Generator<SourceChunk> {
    // One statement and one conversion plan for every chunk of the table.
    const known = columns.filter((column) => (TASK_RECORD_KEYS as readonly string[]).includes(column));
    const read = this.db
      .prepare(
        `SELECT rowid AS "rowid", ${known.map(quoteIdentifier).join(", ")} FROM ${quoteIdentifier(table)} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
      )
      .raw(true);
    const plan = conversionPlan(known);
    for (let after = 0; ;) {
      const chunk = this.chunk(read, plan, after, maxRows, maxBytes);
      if (!chunk) return;
      yield chunk;
      after = chunk.lastRowid;
    }
  }

  /**
   * The next chunk after `afterRowid`: at most `maxRows` rows, and no more pickled buffer bytes than `maxBytes`
   * (at least one row), so one write transaction stays short whatever the rows hold. Null at the end.
   *
   * Its rows are read ROWS_PER_READ at a time as `next()` asks for them (rows as arrays, rowid first: better-sqlite3
   * builds them in about 70 % of the time objects with a property per column take; 20,000 rows of SQLiteDB's 23
   * columns: 210 against 285–310 ms). The chunk ends before the row that would take it past `maxBytes`, which the
   * next chunk reads again. (A first pass that read every row's buffer sizes cost 80–160 ms of an import of 20,000
   * records: SQLiteDB's rows of a few KiB are a page each.)
   */
  private chunk(
    read: BetterSqlite3.Statement,
    plan: ConversionPlan,
    afterRowid: number,
    maxRows: number,
    maxBytes: number,
  ): SourceChunk | null {
    const readRows = (after: number, taken: number) =>
      read.all(after, Math.min(ROWS_PER_READ, maxRows - taken)) as unknown[][];
    let rows = readRows(afterRowid, 0);
    if (rows.length === 0) return null;
    // A closure, not a generator: a generator over the rows kept each chunk alive through scavenges, which then
    // copied and promoted it (reading 20,000 rows: 11–13 ms a scavenge against 0.3–0.7 ms; the import on SQLite
    // went from 0.38–0.40× to 0.45× a multi-row INSERT without it).
    let at = 0;
    let taken = 0;
    let bytes = 0;
    let last = afterRowid;
    let ended = false;
    return {
      next: () => {
        if (ended) return null;
        if (at === rows.length) {
          // A short read, or the chunk is full: it ends here.
          rows = rows.length < ROWS_PER_READ || taken >= maxRows ? [] : readRows(last, taken);
          at = 0;
        }
        const row = rows[at];
        const size = row === undefined ? 0 : bufferBytes(row, plan);
        if (row === undefined || (taken > 0 && bytes + size > maxBytes)) {
          ended = true;
          return null;
        }
        at++;
        taken++;
        bytes += size;
        last = row[0] as number;
        return toRecord(row, plan);
      },
      get lastRowid() {
        return last;
      },
    };
  }

  private columns(table: string): string[] {
    return (this.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map(
      (row) => row.name,
    );
  }
}

/** Bytes of the pickled buffer columns a row read holds. */
function bufferBytes(row: readonly unknown[], plan: ConversionPlan): number {
  let bytes = 0;
  for (const index of plan.buffers) {
    const value = row[index];
    if (Buffer.isBuffer(value) || typeof value === "string") bytes += value.length;
  }
  return bytes;
}

/** `ipython-tasks` < `ipython-tasks_1` < `ipython-tasks_2` < `ipython-tasks_10` < other names. */
function byRunOrder(a: string, b: string): number {
  const run = (name: string): [string, number] => {
    const match = /^(.*)_(\d+)$/.exec(name);
    return match ? [match[1] as string, Number(match[2])] : [name, 0];
  };
  const [baseA, numberA] = run(a);
  const [baseB, numberB] = run(b);
  const defaultFirst = Number(baseB === IPYTHON_DEFAULT_TABLE) - Number(baseA === IPYTHON_DEFAULT_TABLE);
  return defaultFirst || (baseA < baseB ? -1 : baseA > baseB ? 1 : numberA - numberB);
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Per column of the file: its key, its index in a row read (rowid first), the property it fills, its conversion. */
type Conversion = readonly [key: string, index: number, property: string, convert: (value: unknown) => unknown];

/** How a chunk's rows (rowid, then `keys`) become records; indexes of msg_id and of the pickled buffer columns. */
interface ConversionPlan {
  readonly msgId: number;
  readonly buffers: readonly number[];
  readonly columns: readonly Conversion[];
}

function conversionPlan(keys: readonly string[]): ConversionPlan {
  const columns = keys
    .map((key, i) => [key, i + 1, propertyOfKey(key) as string, converterFor(key)] as const)
    .filter(([key]) => key !== "msg_id");
  const buffers = columns.filter(([key]) => BUFFER_KEYS.has(key)).map(([, index]) => index);
  return { msgId: keys.indexOf("msg_id") + 1, buffers, columns };
}

/**
 * Every record property, unset: a record starts as a copy of it, so that every record has one shape. Properties added
 * one by one under computed names made each record a dictionary-mode object (V8), larger and slower to read.
 */
const BLANK_RECORD: Readonly<Record<string, undefined>> = Object.fromEntries(
  TASK_RECORD_KEYS.map((key) => [propertyOfKey(key), undefined]),
);

function toRecord(row: readonly unknown[], plan: ConversionPlan): TaskRecordData {
  const msgId = row[plan.msgId];
  if (typeof msgId !== "string" || msgId.length === 0)
    throw new IpythonImportError(`A row has no msg_id (${String(msgId)})`);
  const record: Record<string, unknown> = { ...BLANK_RECORD, msgId };
  for (const [key, index, property, convert] of plan.columns) {
    const value = row[index];
    if (value === null || value === undefined) continue;
    try {
      record[property] = convert(value);
    } catch (error) {
      throw new IpythonImportError(`Row '${msgId}', column ${key}: ${(error as Error).message}`);
    }
  }
  return record as TaskRecordData;
}

function converterFor(key: string): (value: unknown) => unknown {
  if (DICT_KEYS.has(key) || JSON_TEXT_KEYS.has(key)) return jsonObject;
  if (BUFFER_KEYS.has(key)) return bufferList;
  if (TIMESTAMP_KEYS.has(key)) return timestamp;
  return (value) => (typeof value === "string" ? value : String(value));
}

function jsonObject(value: unknown): unknown {
  const text = Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
  const parsed = JSON.parse(text) as unknown;
  if (parsed === null) return null;
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not a JSON object");
  return parsed;
}

/** Base64 needs no escaping in JSON: the list carries its JSON text for the INSERT (plainStringList). */
function bufferList(value: unknown): readonly string[] {
  if (!Buffer.isBuffer(value)) throw new Error("not a pickled list of bytes (expected a blob)");
  return plainStringList(unpickleBytesList(value).map((buffer) => buffer.toString("base64")));
}

/** SQLiteDB writes ensure_timezone(dt).isoformat(): an offset is always there; an offset-less value is UTC. */
function timestamp(value: unknown): Instant {
  const instant = parseInstant(String(value));
  if (!instant) throw new Error(`'${String(value)}' is not an ISO-8601 datetime from 0001 to 9999`);
  return instant;
}
