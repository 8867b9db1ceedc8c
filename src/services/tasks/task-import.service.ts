import { setImmediate as nextTurn } from "node:timers/promises";

import type { Database, Executor, WritePipeline } from "../../db/database";
import type { Dialect } from "../../dialect";
import { RowCodec } from "../../db/row-codec";
import type { ServiceContext } from "../shared/service-context";
import { inList, run, selectRows, TABLES } from "../sql";
import { fingerprintOf, HUB_FIELDS } from "./import-fingerprint";
import { IPYTHON_DEFAULT_TABLE, IpythonImportError, IpythonSource } from "./ipython-source";
import { linkResubmissions, linkToOriginalsStatement } from "./resubmission-links";
import { TaskRetention } from "./retention";
import {
  type NewTaskRecord,
  TASK_RECORD_KEYS,
  TASK_RECORD_STORAGE_CATALOGUE,
  type TaskRecordData,
  type TaskRecordRow,
} from "./task-record.model";
import { completeRecord, TasksService } from "./tasks.service";

export { IPYTHON_DEFAULT_TABLE, IpythonImportError };

/**
 * Most rows and pickled buffer bytes per write transaction (one keyset page of the file; at least one row). SQLite
 * has one writer and serialises the gateway's writes with it, so its batches are small enough that another write
 * waits at most a few short transactions (PIPELINE_DEPTH of 100 rows of a few KiB: a few ms each on a 2-core
 * machine); Postgres readers never wait for a writer, and larger batches save round trips.
 */
export const IMPORT_BATCH: Readonly<Record<Dialect, { readonly rows: number; readonly bytes: number }>> = {
  sqlite: { rows: 100, bytes: 2 * 1024 * 1024 },
  postgres: { rows: 500, bytes: 8 * 1024 * 1024 },
};

export interface ImportOptions {
  /** The one table to import (default `ipython-tasks`); ignored with `allTables`. */
  readonly table?: string;
  /** Every task table of the file, in run order (`ipython-tasks`, `_1`, `_2` …). */
  readonly allTables?: boolean;
  /** Replace records that changed in hubql since they were imported, and records not imported by this tool. */
  readonly overwrite?: boolean;
  /** Rows and buffer bytes per transaction; IMPORT_BATCH for the store's dialect by default. */
  readonly batchSize?: number;
  readonly batchBytes?: number;
  /** Called after each batch with rows done so far and the table's row count. */
  readonly onProgress?: (done: number, total: number, table: string) => void;
}

export interface ImportCounts {
  readonly read: number;
  /** New in hubql. */
  readonly added: number;
  /** Replaced by the file's version (completed since the last import, or otherwise changed in the file). */
  readonly updated: number;
  /** Already as in the file, or the file has not changed since the last import. */
  readonly unchanged: number;
  /** The file changed, but so did hubql since the import (or hubql has the record from elsewhere): kept. */
  readonly skipped: number;
}

export interface TableSummary extends ImportCounts {
  readonly table: string;
  /** Columns of the file that are not TaskRecord keys (ignored, as SQLiteDB ignores unknown keys). */
  readonly ignoredColumns: string[];
  /** Up to 10 skipped msg_ids, to look at. */
  readonly skippedIds: string[];
}

export interface ImportSummary extends ImportCounts {
  readonly tables: TableSummary[];
  /** Task tables of the file that were not imported (without `allTables`). */
  readonly otherTables: string[];
  readonly seconds: number;
}

type Outcome = "added" | "updated" | "unchanged" | "skipped";

/** What a record holds in hubql, as far as deciding goes. */
type Stored = Pick<TaskRecordRow, "msgId" | "importFingerprint" | "completed">;

/**
 * Batches being written at once, at most (addBatch's scripts sent and not yet answered): on SQLite the writer
 * thread runs one while the next waits behind it and the main thread converts the one after. An import of 20,000
 * records took 1.70–2.12 s so, where a batch at a time in a transaction of three to five round trips took
 * 2.81–3.00 s (four interleaved rounds). On Postgres they run one after another all the same (StoreEngine.script).
 */
const PIPELINE_DEPTH = 3;

/**
 * Longest run of converting (ms) between two turns of the event loop while the batch before is written. A turn lets
 * the writer's answers (and requests of the same process) in, so converting and writing run side by side instead of
 * in turn. By time rather than by records, as records run from bytes to megabytes: 20 records a turn held the loop
 * about 1.6 ms with 2.5 KB of buffers each (the import took the same time with 0.3 ms turns).
 */
const CONVERT_SLICE_MS = 0.3;

/** A record of the file as an insert writes it, with the fingerprint of this version. */
function prepare(record: TaskRecordData): NewTaskRecord {
  const row = completeRecord(record);
  row.importFingerprint = fingerprintOf(row);
  return row;
}

/**
 * `import-ipython` (docs/hub-operations.md): loads ipyparallel SQLiteDB task tables into the store, and converges
 * when run again. Each record of the file is, by what hubql holds under its msg_id:
 * - missing: added (in the file's insertion order, so hubql's order is the Hub's);
 * - imported before (a fingerprint of what was written is stored with it): unchanged if the file's version is what
 *   was imported; else updated if hubql's version is still what was imported (a task pending then and finished
 *   since); else skipped — hubql changed it after the import (a resubmission, a live update) — unless `overwrite`;
 * - not imported by this tool: unchanged if equal to the file's, updated if it is pending in hubql and completed
 *   in the file, skipped otherwise unless `overwrite`.
 * Batches are short (IMPORT_BATCH rows and buffer bytes) and written in order, a few at once, while the next is
 * converted a slice at a time: each adds its new records in one script (`addBatch`), and the records hubql already
 * holds are decided in a transaction of their own (`writeBatch`). Nothing is written after a batch that failed.
 */
export class TaskImportService {
  private readonly codec: RowCodec;
  private readonly tasks: TasksService;
  private readonly retention: TaskRetention;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(TASK_RECORD_STORAGE_CATALOGUE, ctx.dialect);
    this.tasks = new TasksService(ctx);
    this.retention = new TaskRetention(ctx.limits.retention, ctx.dialect);
  }

  async importFile(file: string, options: ImportOptions = {}): Promise<ImportSummary> {
    const started = performance.now();
    const source = IpythonSource.open(file);
    try {
      const available = source.taskTables();
      const tables = options.allTables ? available : [options.table ?? IPYTHON_DEFAULT_TABLE];
      const summaries: TableSummary[] = [];
      for (const table of tables) summaries.push(await this.importTable(source, table, options));
      const sum = (key: keyof ImportCounts) => summaries.reduce((total, summary) => total + summary[key], 0);
      return {
        tables: summaries,
        otherTables: available.filter((table) => !tables.includes(table)),
        read: sum("read"),
        added: sum("added"),
        updated: sum("updated"),
        unchanged: sum("unchanged"),
        skipped: sum("skipped"),
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      source.close();
    }
  }

  private async importTable(source: IpythonSource, table: string, options: ImportOptions): Promise<TableSummary> {
    const columns = source.checkedColumns(table);
    const total = source.count(table);
    const counts = { read: 0, added: 0, updated: 0, unchanged: 0, skipped: 0 };
    const skippedIds: string[] = [];
    const db = this.ctx.requireDb();
    const overwrite = options.overwrite ?? false;
    const batches = preparedBatches(source, table, columns, {
      rows: options.batchSize ?? IMPORT_BATCH[db.dialect].rows,
      bytes: options.batchBytes ?? IMPORT_BATCH[db.dialect].bytes,
    });
    // The next batch is read and converted while those before it are written (the store works off the event
    // loop). Its failure (a row that does not convert) is handled when it is awaited, after the batches before it
    // are sent, or not at all when one of those fails first.
    const following = () => {
      const next = batches.next();
      next.catch(() => undefined);
      return next;
    };
    const tally = (rows: readonly NewTaskRecord[], outcomes: readonly Outcome[]) => {
      outcomes.forEach((outcome, i) => {
        counts[outcome]++;
        if (outcome === "skipped" && skippedIds.length < 10) skippedIds.push(rows[i]?.msgId as string);
      });
      counts.read += rows.length;
      options.onProgress?.(counts.read, total, table);
    };
    const pipeline = db.pipeline();
    /** Batches being written, oldest first. */
    const writing: Promise<void>[] = [];
    try {
      for (let next = following(), batch = await next; !batch.done; batch = await next) {
        const rows = batch.value;
        let outcomes: Promise<Outcome[]>;
        if (this.retention.enabled || rows.some(namesResubmission)) {
          // Its links and culls read before they write: one transaction of its own, after the batches before it
          // (none is written after one that failed).
          while (writing.length > 0) await writing.shift();
          outcomes = db.transaction((tx) => this.writeBatch(tx, rows, overwrite));
        } else {
          outcomes = this.addBatch(db, pipeline, rows, overwrite);
        }
        next = following();
        const written = outcomes.then((done) => tally(rows, done));
        written.catch(() => undefined);
        writing.push(written);
        if (writing.length >= PIPELINE_DEPTH) await writing.shift();
      }
      while (writing.length > 0) await writing.shift();
    } finally {
      // After a failure, no batch is still being written when the caller goes on.
      await Promise.allSettled(writing);
    }
    const ignoredColumns = columns.filter((column) => !HUB_KEYS.has(column));
    return { table, ...counts, ignoredColumns, skippedIds };
  }

  /**
   * A batch as one script: the records hubql lacks added, in the file's order, and linked to stored originals
   * that name them. The records hubql already holds are then decided by writeBatch, in a transaction of their own.
   */
  private async addBatch(
    db: Database,
    pipeline: WritePipeline,
    rows: readonly NewTaskRecord[],
    overwrite: boolean,
  ): Promise<Outcome[]> {
    const inserts = this.tasks.importStatements(rows);
    const links = linkToOriginalsStatement(
      db.dialect,
      rows.map((row) => row.msgId),
    );
    const results = await pipeline.submit([...inserts, links]);
    const added = new Set(results.slice(0, inserts.length).flatMap((result) => result.rows.map((row) => row["msgId"])));
    const held = rows.filter((row) => !added.has(row.msgId));
    if (held.length === 0) return rows.map(() => "added");
    const decided = await db.transaction((tx) => this.writeBatch(tx, held, overwrite));
    const outcomeOf = new Map(held.map((row, i) => [row.msgId, decided[i] as Outcome]));
    return rows.map((row) => outcomeOf.get(row.msgId) ?? "added");
  }

  /** One atomic batch: decides each record's outcome, then adds, updates and adopts in as few statements as it can. */
  private async writeBatch(tx: Executor, rows: readonly NewTaskRecord[], overwrite: boolean): Promise<Outcome[]> {
    const stored = await this.storedVersions(tx, rows);
    // hubql's current version matters where the file's differs from what was imported (or always, to overwrite).
    const compared = rows.filter((row) => {
      const current = stored.get(row.msgId);
      return current !== undefined && (overwrite || current.importFingerprint !== row.importFingerprint);
    });
    const currentPrints = await this.storedFingerprints(
      tx,
      compared.map((row) => row.msgId),
    );
    const outcomes = rows.map((row) => decide(row, stored.get(row.msgId), currentPrints.get(row.msgId), overwrite));
    const pick = (outcome: Outcome) => rows.filter((_, i) => outcomes[i] === outcome);
    const added = pick("added");
    if (added.length > 0) await this.tasks.insertWithin(tx, added);
    const updated = pick("updated");
    for (const row of updated) await this.replace(tx, row);
    // Equal to the file's version but fingerprinted otherwise (or not at all): record that they are as imported.
    await this.adopt(
      tx,
      pick("unchanged").filter((row) => stored.get(row.msgId)?.importFingerprint !== row.importFingerprint),
    );
    if (updated.length > 0) {
      await linkResubmissions(tx, updated);
      await this.retention.enforce(tx);
    }
    return outcomes;
  }

  /** msg_id, import fingerprint and completion of the batch's records that hubql holds. */
  private async storedVersions(tx: Executor, rows: readonly NewTaskRecord[]): Promise<Map<string, Stored>> {
    const found = await selectRows<Stored>(tx, {
      table: TABLES.taskRecords,
      codec: this.codec,
      fields: ["msgId", "importFingerprint", "completed"],
      where: inList(
        `t."msg_id"`,
        rows.map((row) => row.msgId),
      ),
    });
    return new Map(found.map((row) => [row.msgId, row]));
  }

  /** Fingerprints of hubql's current versions (read whole, buffers included) of records the file changed. */
  private async storedFingerprints(tx: Executor, msgIds: readonly string[]): Promise<Map<string, string>> {
    if (msgIds.length === 0) return new Map();
    const found = await selectRows<TaskRecordRow>(tx, {
      table: TABLES.taskRecords,
      codec: this.codec,
      fields: HUB_FIELDS,
      where: inList(`t."msg_id"`, msgIds),
    });
    return new Map(found.map((row) => [row.msgId, fingerprintOf(row)]));
  }

  /** The file's version over hubql's: every Hub field, the size bookkeeping and the fingerprint; links stay. */
  private async replace(tx: Executor, row: NewTaskRecord): Promise<void> {
    await run(tx, (q) => {
      const sets = REPLACED.map(
        (property) =>
          `"${this.codec.field(property).column}" = ${q.bind(this.codec.encode(property, (row as Record<string, unknown>)[property]))}`,
      );
      return `UPDATE "${TABLES.taskRecords}" SET ${sets.join(", ")} WHERE "msg_id" = ${q.bind(row.msgId)}`;
    });
  }

  /** Records equal to the file's version: from now on they count as imported from it. */
  private async adopt(tx: Executor, rows: readonly NewTaskRecord[]): Promise<void> {
    for (const row of rows) {
      await run(
        tx,
        (q) =>
          `UPDATE "${TABLES.taskRecords}" SET "import_fingerprint" = ${q.bind(row.importFingerprint)} WHERE "msg_id" = ${q.bind(row.msgId)}`,
      );
    }
  }
}

/**
 * The table's batches (at most `limit` rows and pickled buffer bytes each), converted CONVERT_SLICE_MS at a time between
 * turns of the event loop.
 */
async function* preparedBatches(
  source: IpythonSource,
  table: string,
  columns: readonly string[],
  limit: { readonly rows: number; readonly bytes: number },
): AsyncGenerator<NewTaskRecord[]> {
  for (const chunk of source.chunks(table, columns, limit.rows, limit.bytes)) {
    const rows: NewTaskRecord[] = [];
    let slice = performance.now();
    for (let record = chunk.next(); record; record = chunk.next()) {
      rows.push(prepare(record));
      if (performance.now() - slice > CONVERT_SLICE_MS) {
        await nextTurn();
        slice = performance.now();
      }
    }
    yield rows;
  }
}

const HUB_KEYS = new Set<string>(TASK_RECORD_KEYS);

/** Whether the record names its resubmission: linking that reads and writes in turn (linkResubmissions). */
function namesResubmission(row: NewTaskRecord): boolean {
  return typeof row.resubmitted === "string" && row.resubmitted !== row.msgId;
}

const REPLACED = [...HUB_FIELDS.filter((field) => field !== "msgId"), "bufferBytes", "importFingerprint"] as const;

/**
 * The outcome for one record of the file (`row`, with the fingerprint of the file's version), given what hubql
 * holds (`stored`) and the fingerprint of hubql's current version where it was read (`current`).
 */
function decide(
  row: NewTaskRecord,
  stored: Stored | undefined,
  current: string | undefined,
  overwrite: boolean,
): Outcome {
  if (!stored) return "added";
  if (overwrite) return current === row.importFingerprint ? "unchanged" : "updated";
  // The file has not changed since it was imported: nothing to bring over (hubql's own changes stay).
  if (stored.importFingerprint === row.importFingerprint) return "unchanged";
  if (current === row.importFingerprint) return "unchanged";
  if (stored.importFingerprint) {
    // Imported before: take the file's version unless hubql changed the record since.
    return current === stored.importFingerprint ? "updated" : "skipped";
  }
  // Not imported by this tool (a live Hub wrote it, or an import before fingerprints existed): only completions.
  return stored.completed === null && row.completed !== null ? "updated" : "skipped";
}
