/**
 * Messages between the main thread and a SQLite worker thread (sqlite-worker.ts). Rows travel as arrays with the column
 * names once per statement: structured clone copies an array of values faster than an object per row (measured:
 * 100-row page 0.40 ms as objects vs 0.37 ms as arrays + names, the statement alone 0.25 ms). Rows of strings, finite
 * numbers and nulls (nearly all) travel as one JSON text instead: the main thread parses it faster than it takes
 * a structured clone apart value by value (a 101-row page of 8 columns: 114 µs through a MessageChannel as arrays,
 * 80 µs as JSON with its stringify and parse, and the parse, on the main thread, 29 µs). Where it can, SQLite builds
 * that text itself (sqlite-json-rows.ts).
 */
export interface WorkerOptions {
  /** Absolute path of the database file. */
  readonly file: string;
  /** Reader threads open the file read-only; the one writer thread also sets the write pragmas. */
  readonly readonly: boolean;
  /** How long a write waits for SQLite's lock (another process writing) before SQLITE_BUSY. */
  readonly busyTimeoutMs: number;
  /** A read-write connection's `wal_autocheckpoint` (pages); SQLite's default (1,000) when omitted. */
  readonly autocheckpointPages?: number;
  /**
   * One Int32 the main thread sets to RETIRED (Atomics) when it retires the thread (sqlite-thread.ts): the regexp
   * function then throws at its next call, and the thread runs nothing more but closes its connection and exits.
   */
  readonly retired: SharedArrayBuffer;
}

/**
 * A failure's text as it reaches the main thread outside a statement's reply: SQLite's message, its code appended
 * ("file is not a database (SQLITE_NOTADB)").
 */
export function failureText(message: unknown, code: unknown): string {
  const text = typeof message === "string" && message !== "" ? message : "the SQLite worker thread failed";
  return typeof code === "string" ? `${text} (${code})` : text;
}

/** The value of `WorkerOptions.retired` once the thread is retired. */
export const RETIRED = 1;

/** Sent after setting `retired`, to wake a thread that is waiting for messages. */
export interface RetireRequest {
  readonly retire: true;
}

export interface StatementRequest {
  readonly id: number;
  readonly sql: string;
  readonly params: readonly unknown[];
  /**
   * A statement of a transaction whose BEGIN was sent without waiting for its answer (sqlite-engine.ts): refused
   * unless the connection is in a transaction, so that it never runs on its own after a failed BEGIN.
   */
  readonly inTransaction?: boolean;
}

/** The code of the refusal above. */
export const NO_TRANSACTION = "HUBQL_NO_TRANSACTION";

/**
 * A script (StoreEngine.script): the thread runs BEGIN IMMEDIATE, the statements in order and COMMIT as one
 * message, and at the first failure rolls back and answers with it. Once a script of a `chain` has failed, the
 * thread refuses the chain's later scripts, which were sent before the failure was known.
 */
export interface ScriptRequest {
  readonly id: number;
  readonly script: readonly { readonly sql: string; readonly params: readonly unknown[] }[];
  readonly chain: number;
}

/** The code of that refusal. */
export const CHAIN_BROKEN = "HUBQL_CHAIN_BROKEN";

/** What one statement gave back. */
export type StatementResult =
  | { readonly columns: readonly string[]; readonly rows: readonly unknown[][] }
  | { readonly columns: readonly string[]; readonly json: string }
  | { readonly changes: number };

export type StatementReply =
  | (StatementResult & { readonly id: number })
  | { readonly id: number; readonly results: readonly StatementResult[] }
  | {
      readonly id: number;
      readonly error: { readonly message: string; readonly code?: string; readonly name: string };
      /** For a script: the statement that failed (its index), where it was one of them. */
      readonly statement?: number;
    };
