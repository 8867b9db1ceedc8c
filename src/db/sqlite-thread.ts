import { Worker } from "node:worker_threads";

import type { RawResult } from "./engine";
import {
  failureText,
  type RetireRequest,
  RETIRED,
  type ScriptRequest,
  type StatementReply,
  type StatementRequest,
  type StatementResult,
  type WorkerOptions,
} from "./sqlite-protocol";

interface Pending {
  readonly resolve: (result: RawResult | RawResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/** A driver failure as it came from the worker, with the SQLite code the checks in driver-errors.ts read. */
class SqliteWorkerError extends Error {
  constructor(
    message: string,
    name: string,
    readonly code: string | undefined,
    /** In a script's failure: the index of the statement that failed, if one did (not its BEGIN or COMMIT). */
    readonly statement?: number,
  ) {
    super(message);
    this.name = name;
  }
}

/**
 * The main thread's handle on one SQLite worker thread (sqlite-worker.ts) and its connection. Statements go one at a time
 * (the engine's gates see to it). `retire()` stops the thread: its statement stops at its next call back into
 * JavaScript (the regexp function) or when SQLite returns, and the thread then closes its connection, which rolls
 * back its open transaction, and exits; the engine puts a fresh thread in its place at once.
 */
export class SqliteThread {
  private readonly worker: Worker;
  /** Shared with the thread (WorkerOptions.retired). */
  private readonly retiredFlag = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;
  /** Resolves when the thread has exited (retired, crashed or closed). */
  readonly exited: Promise<void>;

  constructor(
    script: string,
    options: Omit<WorkerOptions, "retired">,
    /** Statements wait for this first (a new writer waits until the one it replaces has let go of the lock). */
    private readonly ready: Promise<void> = Promise.resolve(),
  ) {
    const workerData: WorkerOptions = { ...options, retired: this.retiredFlag.buffer as SharedArrayBuffer };
    this.worker = new Worker(script, { workerData });
    this.worker.on("message", (reply: StatementReply) => this.settle(reply));
    this.worker.on("error", (error) => this.fail(threadError(error)));
    this.exited = new Promise((resolve) => this.worker.once("exit", () => resolve()));
    void this.exited.then(() => this.fail(new Error("the SQLite worker thread exited")));
    // An idle thread does not keep the process alive; one with a statement in flight does (see call).
    this.worker.unref();
  }

  get retired(): boolean {
    return this.failure !== null;
  }

  /** One statement; `inTransaction`: refused unless the connection is in a transaction (see StatementRequest). */
  call(sql: string, params: readonly unknown[], inTransaction = false): Promise<RawResult> {
    return this.send<RawResult>((id) => (inTransaction ? { id, sql, params, inTransaction } : { id, sql, params }));
  }

  /** A script (ScriptRequest): its statements' results, or the failure of the one that failed. */
  script(script: ScriptRequest["script"], chain: number): Promise<RawResult[]> {
    return this.send<RawResult[]>((id) => ({ id, script, chain }));
  }

  private async send<T extends RawResult | RawResult[]>(
    request: (id: number) => StatementRequest | ScriptRequest,
  ): Promise<T> {
    await this.ready;
    if (this.failure) throw this.failure;
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as Pending["resolve"], reject });
      this.worker.postMessage(request(id));
    });
  }

  /**
   * Stops the thread; statements in flight fail with `reason` at once. Returns when the thread has exited: after the
   * statement it is running, if any, has stopped. Not `Worker.terminate()`, which stops no statement sooner (SQLite
   * runs on inside better-sqlite3 until it calls back into JavaScript or returns) and aborted the process when it
   * caught better-sqlite3 building an error (sqlite-worker.ts).
   */
  retire(reason: Error = new Error("the SQLite worker thread was retired")): Promise<void> {
    this.fail(reason);
    if (Atomics.exchange(this.retiredFlag, 0, RETIRED) !== RETIRED) {
      const wake: RetireRequest = { retire: true };
      this.worker.postMessage(wake);
      // Whoever awaits the exit keeps the process alive until then (an idle thread is unref'd).
      this.worker.ref();
    }
    return this.exited;
  }

  private settle(reply: StatementReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ("error" in reply) {
      const { message, name, code } = reply.error;
      waiting.reject(new SqliteWorkerError(message, name, code, reply.statement));
    } else if ("results" in reply) {
      waiting.resolve(reply.results.map(rawResult));
    } else {
      waiting.resolve(rawResult(reply));
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}

/**
 * What the thread threw, as an Error: better-sqlite3's SqliteError arrives from the worker as a plain object holding
 * only its `code` (the worker rethrows its start-up failures as plain Errors, which keep their message).
 */
function threadError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const { message, name, code } = (thrown ?? {}) as { message?: unknown; name?: unknown; code?: unknown };
  return new SqliteWorkerError(
    failureText(message, code),
    typeof name === "string" ? name : "SqliteError",
    typeof code === "string" ? code : undefined,
  );
}

function rawResult(result: StatementResult): RawResult {
  if ("changes" in result) return { rows: [], affected: result.changes };
  if ("json" in result) {
    const rows = JSON.parse(result.json) as unknown[][];
    return { rows: toObjects(result.columns, rows), affected: rows.length, bytes: result.json.length };
  }
  const rows = withBuffers(result.rows);
  return { rows: toObjects(result.columns, rows), affected: rows.length };
}

function toObjects(columns: readonly string[], rows: readonly unknown[][]): Record<string, unknown>[] {
  const objects = new Array<Record<string, unknown>>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const values = rows[r] as unknown[];
    const row: Record<string, unknown> = {};
    for (let c = 0; c < columns.length; c++) row[columns[c] as string] = values[c];
    objects[r] = row;
  }
  return objects;
}

/** BLOBs as better-sqlite3 gives them on the main thread: structured clone turns a Buffer into a plain Uint8Array. */
function withBuffers(rows: readonly unknown[][]): readonly unknown[][] {
  for (const row of rows as unknown[][]) {
    for (let c = 0; c < row.length; c++) {
      const value = row[c];
      if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
        row[c] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      }
    }
  }
  return rows;
}
