import { parentPort, workerData } from "node:worker_threads";

import Database, { type Statement } from "better-sqlite3";

import { SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation } from "../dialect/sqlite-regexp";
import { NO_TRANSACTION, type StatementReply, type StatementRequest, type WorkerOptions } from "./sqlite-protocol";

/**
 * A SQLite worker thread: one better-sqlite3 connection, statements one at a time as the main thread sends them
 * (sqlite-thread.ts). better-sqlite3 is synchronous, so a statement here blocks only this thread: the event loop
 * that answers /healthz and other requests goes on. Imports only what the connection needs (the regexp function).
 */
const options = workerData as WorkerOptions;
const db = new Database(options.file, {
  readonly: options.readonly,
  fileMustExist: true,
  timeout: options.busyTimeoutMs,
});
db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation);
if (!options.readonly) {
  db.pragma("foreign_keys = ON");
  db.pragma("synchronous = NORMAL");
  if (options.autocheckpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${options.autocheckpointPages}`);
}

/** Prepared statements by text, least recently used first; SQL texts repeat per query shape. */
const STATEMENT_CACHE = 256;
const prepared = new Map<string, { statement: Statement; columns: string[] | null }>();

function prepare(sql: string): { statement: Statement; columns: string[] | null } {
  const cached = prepared.get(sql);
  if (cached) {
    prepared.delete(sql);
    prepared.set(sql, cached);
    return cached;
  }
  const statement = db.prepare(sql);
  const entry = { statement, columns: statement.reader ? statement.columns().map((column) => column.name) : null };
  if (statement.reader) statement.raw(true);
  prepared.set(sql, entry);
  if (prepared.size > STATEMENT_CACHE) prepared.delete(prepared.keys().next().value as string);
  return entry;
}

function execute(request: StatementRequest): StatementReply {
  if (request.inTransaction && !db.inTransaction) {
    const message = "not in a transaction: its BEGIN failed";
    return { id: request.id, error: { message, name: "SqliteError", code: NO_TRANSACTION } };
  }
  try {
    const { statement, columns } = prepare(request.sql);
    if (columns) {
      const rows = statement.all(...request.params) as unknown[][];
      return jsonExact(rows)
        ? { id: request.id, columns, json: JSON.stringify(rows) }
        : { id: request.id, columns, rows };
    }
    return { id: request.id, changes: statement.run(...request.params).changes };
  } catch (error) {
    const failure = error as { message?: string; code?: unknown; name?: string };
    return {
      id: request.id,
      error: {
        message: String(failure.message ?? error),
        name: failure.name ?? "Error",
        ...(typeof failure.code === "string" ? { code: failure.code } : {}),
      },
    };
  }
}

/**
 * Whether JSON carries these rows exactly: strings (lone surrogates included: JSON.stringify escapes them), nulls and
 * finite numbers other than -0. Buffers (BLOBs) and the rest go by structured clone.
 */
function jsonExact(rows: readonly unknown[][]): boolean {
  for (const row of rows) {
    for (const value of row) {
      if (typeof value === "string" || value === null) continue;
      if (typeof value !== "number" || !Number.isFinite(value) || Object.is(value, -0)) return false;
    }
  }
  return true;
}

parentPort?.on("message", (request: StatementRequest) => parentPort?.postMessage(execute(request)));
