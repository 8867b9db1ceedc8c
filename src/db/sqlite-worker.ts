import { parentPort, workerData } from "node:worker_threads";

import Database, { type Statement } from "better-sqlite3";

import { SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation } from "../dialect/sqlite-regexp";
import { jsonRowsSql, mayHoldNegativeZero } from "./sqlite-json-rows";
import {
  CHAIN_BROKEN,
  failureText,
  NO_TRANSACTION,
  type RetireRequest,
  RETIRED,
  type ScriptRequest,
  type StatementReply,
  type StatementRequest,
  type StatementResult,
  type WorkerOptions,
} from "./sqlite-protocol";

/**
 * A SQLite worker thread: one better-sqlite3 connection, statements one at a time as the main thread sends them
 * (sqlite-thread.ts). better-sqlite3 is synchronous, so a statement here blocks only this thread: the event loop
 * that answers /healthz and other requests goes on. Imports only what the connection needs (the regexp function).
 */
const options = workerData as WorkerOptions;
const retired = new Int32Array(options.retired);
const db = connect();

function connect(): Database.Database {
  try {
    const connection = new Database(options.file, {
      readonly: options.readonly,
      fileMustExist: true,
      timeout: options.busyTimeoutMs,
    });
    connection.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, (pattern, flags, value) => {
      // Where a retired thread's statement stops early: a thrown error ends it as any failing statement ends.
      if (Atomics.load(retired, 0) === RETIRED) throw new Error("the SQLite worker thread was retired");
      return sqliteRegexpImplementation(pattern, flags, value);
    });
    if (!options.readonly) {
      connection.pragma("foreign_keys = ON");
      connection.pragma("synchronous = NORMAL");
      const pages = options.autocheckpointPages;
      if (pages !== undefined) connection.pragma(`wal_autocheckpoint = ${pages}`);
    }
    return connection;
  } catch (error) {
    // better-sqlite3's SqliteError reached the main thread's 'error' event with its code only ("file is not a
    // database" lost); a plain Error crosses with its message.
    const { message, code } = error as { message?: unknown; code?: unknown };
    throw Object.assign(new Error(failureText(message, code)), { name: "SqliteError", code });
  }
}

/** Prepared statements by text, least recently used first; SQL texts repeat per query shape. */
const STATEMENT_CACHE = 256;

interface Prepared {
  readonly statement: Statement;
  /** A reader's result columns; null for a statement that returns no rows. */
  readonly columns: string[] | null;
  /** The reader's rows as one JSON text built by SQLite (see `jsonTwin`); null where that cannot be used. */
  json: Statement | null;
}

const prepared = new Map<string, Prepared>();

function prepare(sql: string): Prepared {
  const cached = prepared.get(sql);
  if (cached) {
    prepared.delete(sql);
    prepared.set(sql, cached);
    return cached;
  }
  const statement = db.prepare(sql);
  const described = statement.reader ? statement.columns() : null;
  const columns = described ? described.map((column) => column.name) : null;
  if (statement.reader) statement.raw(true);
  const json =
    columns && !described?.some((column) => mayHoldNegativeZero(column.type)) ? jsonTwin(sql, columns) : null;
  const entry: Prepared = { statement, columns, json };
  prepared.set(sql, entry);
  if (prepared.size > STATEMENT_CACHE) prepared.delete(prepared.keys().next().value as string);
  return entry;
}

/** The reader's rows as one JSON text built by SQLite (sqlite-json-rows.ts), or null where it cannot be prepared. */
function jsonTwin(sql: string, columns: readonly string[]): Statement | null {
  const text = jsonRowsSql(sql, columns);
  if (text === null) return null;
  try {
    return db.prepare(text).pluck(true);
  } catch {
    // Not a statement that can be a subquery (PRAGMA, RETURNING).
    return null;
  }
}

/** Errors of the JSON twin after which the statement answers the plain way: a BLOB cell, a text past SQLite's limit. */
function twinCannotCarry(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "SQLITE_TOOBIG" || (typeof message === "string" && message.includes("JSON cannot hold BLOB"));
}

function execute(request: StatementRequest): StatementReply {
  if (request.inTransaction && !db.inTransaction) {
    return failure(request.id, { message: "not in a transaction: its BEGIN failed", code: NO_TRANSACTION });
  }
  try {
    return { id: request.id, ...answer(request.sql, request.params) };
  } catch (error) {
    return failure(request.id, error);
  }
}

/** A script (ScriptRequest): one transaction, rolled back at its first failure, which breaks its chain. */
function executeScript(request: ScriptRequest): StatementReply {
  if (brokenChains.has(request.chain)) {
    return failure(request.id, { message: "an earlier script of its chain failed", code: CHAIN_BROKEN });
  }
  let at: number | undefined;
  try {
    prepare("BEGIN IMMEDIATE").statement.run();
    const results: StatementResult[] = [];
    for (at = 0; at < request.script.length; at++) {
      const { sql, params } = request.script[at] as ScriptRequest["script"][number];
      results.push(answer(sql, params));
    }
    at = undefined;
    prepare("COMMIT").statement.run();
    return { id: request.id, results };
  } catch (error) {
    if (db.inTransaction) prepare("ROLLBACK").statement.run();
    brokenChains.add(request.chain);
    // A chain is one import's: a few ids to remember, never many.
    if (brokenChains.size > BROKEN_CHAINS_KEPT) brokenChains.delete(brokenChains.values().next().value as number);
    return { ...failure(request.id, error), ...(at === undefined ? {} : { statement: at }) };
  }
}

/** Chains (ScriptRequest.chain) one of whose scripts failed, the most recent BROKEN_CHAINS_KEPT. */
const brokenChains = new Set<number>();
const BROKEN_CHAINS_KEPT = 64;

/** One statement's result; throws its failure. */
function answer(sql: string, params: readonly unknown[]): StatementResult {
  const entry = prepare(sql);
  const { statement, columns } = entry;
  if (columns && entry.json) {
    try {
      return { columns, json: entry.json.get(...params) as string };
    } catch (error) {
      if (!twinCannotCarry(error)) throw error;
      // Its rows hold what JSON cannot carry here (and may again): the plain way from now on.
      entry.json = null;
    }
  }
  if (columns) {
    const rows = statement.all(...params) as unknown[][];
    return jsonExact(rows) ? { columns, json: JSON.stringify(rows) } : { columns, rows };
  }
  return { changes: statement.run(...params).changes };
}

function failure(id: number, error: unknown): StatementReply {
  const { message, code, name } = error as { message?: string; code?: unknown; name?: string };
  return {
    id,
    error: {
      message: String(message ?? error),
      name: name ?? "SqliteError",
      ...(typeof code === "string" ? { code } : {}),
    },
  };
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

/**
 * Once retired, the thread runs nothing more: it closes its connection (which rolls back an open transaction) and
 * exits. The main thread never terminates it: a thread terminated while better-sqlite3 builds an error (a write's
 * SQLITE_BUSY after another process held the lock past a request's deadline, say) aborted the whole process with
 * a V8 fatal error in `ThrowSqliteError`.
 */
function retire(): void {
  db.close();
  process.exit(0);
}

parentPort?.on("message", (message: StatementRequest | ScriptRequest | RetireRequest) => {
  if (Atomics.load(retired, 0) === RETIRED) return retire();
  const reply = "script" in message ? executeScript(message) : execute(message as StatementRequest);
  // Nobody waits for a retired thread's answer.
  if (Atomics.load(retired, 0) !== RETIRED) parentPort?.postMessage(reply);
});
