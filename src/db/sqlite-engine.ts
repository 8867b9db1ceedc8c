import { statementFailure } from "./driver-errors";
import type { EngineStats, RawResult, ScriptStatement, Session, StoreEngine } from "./engine";
import { FairGate } from "./fair-gate";
import { raceDeadline, type RequestScope } from "./request-scope";
import { SqliteThread } from "./sqlite-thread";
import { sqliteWorkerScript } from "./sqlite-worker-script";
import { WalCheckpointer, WRITER_AUTOCHECKPOINT_PAGES } from "./wal-checkpointer";

export interface SqliteEngineOptions {
  /** Absolute path of the database file (WAL mode, migrated). */
  readonly file: string;
  /** Reader threads (HUBQL_DB_CONNECTIONS). */
  readonly readers: number;
  /** Most reader threads one request uses at once (HUBQL_REQUEST_CONNECTIONS). */
  readonly share: number;
  readonly busyTimeoutMs: number;
  /** A trivial statement on the main thread's own connection, which no request uses (/healthz). */
  readonly ping: () => Promise<void>;
}

/**
 * SQLite execution off the event loop. better-sqlite3 is synchronous: on the main thread one heavy statement (a
 * JSON-path scan, a regex over every row, a large DELETE) stopped every request and /healthz until it ended. Here
 * statements run on worker threads, each with its own connection: `readers` read-only threads for standalone
 * SELECTs (WAL lets them read beside the writer, each statement seeing the last commit) and one writer thread for
 * everything else and for transactions, which hold it from BEGIN IMMEDIATE to COMMIT — the turn-taking the
 * single connection used to need — or, for scripts (`script`), only while they are sent. A request uses at most
 * `share` readers at once (FairGate), so a heavy request leaves readers for cheap ones.
 *
 * Deadlines: better-sqlite3 has no interrupt, so a request past its deadline gets LIMIT_EXCEEDED at once and the
 * thread running its statement is retired and replaced (SqliteThread.retire). The statement stops at its next call
 * into JavaScript (the regexp function) or when SQLite returns; the retired connection then closes, which rolls back
 * its transaction. A new writer waits until the retired one has exited, so it never meets its lock.
 *
 * Checkpoints (copying the WAL back into the database file) run on a connection and thread of their own after
 * commits (WalCheckpointer), not inside the commit that fills the WAL as SQLite does by default.
 *
 * Cost per statement (2-core machine, 100-row page): 0.37–0.40 ms through a thread against 0.25 ms for the same
 * statement on the main thread — one message each way (~0.1 ms) plus copying the rows.
 */
export class SqliteEngine implements StoreEngine {
  private readonly readerGate: FairGate;
  private readonly writerGate = new FairGate(1, 1);
  private readonly readers: SqliteThread[];
  private readonly busy = new Set<SqliteThread>();
  private writer: SqliteThread;
  private readonly checkpointer: WalCheckpointer;
  private retiring = 0;
  /** Scripts sent to the writer and not yet answered (see `script`). */
  private scriptsInFlight = 0;

  private constructor(
    private readonly workerScript: string,
    private readonly options: SqliteEngineOptions,
  ) {
    this.readerGate = new FairGate(options.readers, options.share);
    this.readers = Array.from({ length: options.readers }, () => this.spawn(true));
    this.writer = this.spawn(false);
    this.checkpointer = new WalCheckpointer(() => this.spawn(false));
  }

  /**
   * Returns once every thread has its connection open and has answered a trivial statement. A thread takes 170–260
   * ms to start on a loaded 2-core machine (the worker, better-sqlite3, the connection): a store that answered
   * before that made its first read wait as long, and an import's first batch start that much later.
   */
  static async start(options: SqliteEngineOptions): Promise<SqliteEngine> {
    const engine = new SqliteEngine(await sqliteWorkerScript(), options);
    try {
      // Reads the file's first page: a file that is not a SQLite database fails here, not at the first request.
      const ready = (thread: SqliteThread) => thread.call("SELECT 1 FROM sqlite_master LIMIT 1", []);
      // A file that cannot be a store fails every thread, each with SQLite's reason (the writer's while setting its
      // pragmas: sqlite-worker.ts), so the first failure is thrown; close() retires the threads still starting.
      await Promise.all([...engine.readers, engine.writer].map(ready));
    } catch (error) {
      await engine.close();
      throw error;
    }
    return engine;
  }

  async run(text: string, values: readonly unknown[], scope: RequestScope | undefined) {
    if (READS.test(text)) return this.read(text, values, scope);
    return this.write(scope, (thread) => this.call(thread, text, values, scope));
  }

  /**
   * BEGIN is sent without waiting for its answer: the transaction's first statement follows it at once (the thread
   * runs them in order), marked to be refused if the BEGIN failed, and waits for the BEGIN's answer before its own,
   * so that the BEGIN's failure is the one thrown. One round trip less per transaction: an import's BEGIN took
   * 1.2–1.4 ms there and back for 22 µs of work (the main thread converts records meanwhile).
   */
  async transaction<T>(scope: RequestScope | undefined, work: (session: Session) => Promise<T>): Promise<T> {
    return this.write(scope, async (thread) => {
      try {
        const begun = this.call(thread, "BEGIN IMMEDIATE", [], scope);
        // Its failure is thrown below, by the first statement or before COMMIT.
        begun.catch(() => undefined);
        const run: Session["run"] = async (text, values) => {
          const result = this.call(thread, text, values, scope, true);
          result.catch(() => undefined);
          await begun;
          return result;
        };
        const result = await work({ run });
        await begun;
        await this.call(thread, "COMMIT", [], scope);
        return result;
      } catch (error) {
        // A retired writer has no transaction left: closing its connection rolled it back.
        if (!thread.retired) await thread.call("ROLLBACK", []).catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * The writer is handed on once the script is sent: the thread runs what comes after it once it has ended. No
   * wait for the WAL's checkpoint (`room`) while scripts are in flight: it lasts until everything committed is
   * checkpointed, and those scripts keep committing, so it would drain them and then the writer, every 2,000 WAL
   * pages. A prototype of the IPython import, three scripts in flight, took 2.08–2.26 s for 20,000 records with
   * that wait and 1.69–1.79 s without (three interleaved rounds); the WAL is then bounded by the writer's own
   * autocheckpoint (WRITER_AUTOCHECKPOINT_PAGES).
   */
  async script(
    scope: RequestScope | undefined,
    statements: readonly ScriptStatement[],
    chain: number,
  ): Promise<RawResult[]> {
    const permit = await this.writerGate.acquire(scope);
    let answer: Promise<RawResult[]>;
    try {
      if (this.scriptsInFlight === 0) await raceDeadline(scope, this.checkpointer.room());
      scope?.check();
      const thread = this.liveWriter();
      const unsubscribe = scope?.onExpire(() => this.replace(thread));
      const script = statements.map(({ text, values }) => ({ sql: text, params: values }));
      answer = raceDeadline(scope, thread.script(script, chain)).finally(() => unsubscribe?.());
    } finally {
      permit();
    }
    this.scriptsInFlight++;
    try {
      return await answer;
    } catch (error) {
      // The statement that failed, where one did; else its BEGIN, its COMMIT or its chain's refusal.
      const failed = statements[(error as { statement?: number }).statement ?? -1] ?? SCRIPT_ITSELF;
      throw statementFailure(failed.text, failed.values, error);
    } finally {
      this.scriptsInFlight--;
      this.checkpointer.written();
    }
  }

  stats(): EngineStats {
    return { ...this.readerGate.stats(), retiring: this.retiring };
  }

  ping(): Promise<void> {
    return this.options.ping();
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.readers, this.writer].map((thread) => thread.retire()).concat(this.checkpointer.close()),
    );
  }

  private async read(text: string, values: readonly unknown[], scope: RequestScope | undefined) {
    const permit = await this.readerGate.acquire(scope);
    // The gate hands out at most as many permits as there are readers, so one is idle.
    const slot = this.readers.findIndex((thread) => !this.busy.has(thread));
    if (this.readers[slot]?.retired) this.readers[slot] = this.spawn(true);
    const thread = this.readers[slot] as SqliteThread;
    this.busy.add(thread);
    try {
      return await this.call(thread, text, values, scope);
    } finally {
      this.busy.delete(thread);
      permit();
    }
  }

  /**
   * `work` on the writer, which it holds alone: after its turn at the gate and, past the WAL's limit, the
   * checkpoint of what is committed (WalCheckpointer.room); what it committed is then checkpointed beside.
   */
  private async write<T>(scope: RequestScope | undefined, work: (writer: SqliteThread) => Promise<T>): Promise<T> {
    const permit = await this.writerGate.acquire(scope);
    try {
      await raceDeadline(scope, this.checkpointer.room());
      const result = await work(this.liveWriter());
      this.checkpointer.written();
      return result;
    } finally {
      permit();
    }
  }

  /** One statement on a thread, bounded by the request's deadline: past it, the thread is retired and replaced. */
  private async call(
    thread: SqliteThread,
    text: string,
    values: readonly unknown[],
    scope: RequestScope | undefined,
    inTransaction = false,
  ): Promise<RawResult> {
    scope?.check();
    const unsubscribe = scope?.onExpire(() => this.replace(thread));
    try {
      return await raceDeadline(scope, thread.call(text, values, inTransaction));
    } catch (error) {
      throw statementFailure(text, values, error);
    } finally {
      unsubscribe?.();
    }
  }

  private replace(thread: SqliteThread): void {
    if (thread.retired) return;
    this.retiring++;
    const exited = thread.retire();
    void exited.then(() => this.retiring--);
    if (thread === this.writer) {
      this.writer = this.spawn(false, exited);
      return;
    }
    const slot = this.readers.indexOf(thread);
    if (slot >= 0) this.readers[slot] = this.spawn(true);
  }

  /** The writer, replaced first if it died on its own (a crash rather than a deadline). */
  private liveWriter(): SqliteThread {
    if (this.writer.retired) this.writer = this.spawn(false, this.writer.exited);
    return this.writer;
  }

  /** A reader (read-only), or a read-write connection: the writer, or the checkpointer's. */
  private spawn(readonly: boolean, after?: Promise<void>): SqliteThread {
    const { file, busyTimeoutMs } = this.options;
    const autocheckpointPages = readonly ? undefined : WRITER_AUTOCHECKPOINT_PAGES;
    return new SqliteThread(this.workerScript, { file, readonly, busyTimeoutMs, autocheckpointPages }, after);
  }
}

/** What a script's failure names when none of its statements failed. */
const SCRIPT_ITSELF: ScriptStatement = { text: "BEGIN IMMEDIATE; …; COMMIT", values: [] };

/** Statements a read-only connection can run: plain SELECTs. Anything else (WITH included) goes to the writer. */
const READS = /^\s*SELECT\b/i;
