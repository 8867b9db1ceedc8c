import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

import { type Pool, types as pgTypes } from "pg";
import { DataSource } from "typeorm";

import { postgresMigrations } from "../../migrations/postgres";
import { sqliteMigrations } from "../../migrations/sqlite";
import { type Dialect, SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation } from "../dialect";
import type { StoreLocation } from "./database-url";
import type { EngineStats, ScriptStatement, Session, StoreEngine } from "./engine";
import { entitySchemas } from "./entities";
import { poolStats, type PoolStats } from "./pool-stats";
import { PostgresEngine } from "./postgres-engine";
import type { RequestScope } from "./request-scope";
import { SqliteEngine } from "./sqlite-engine";

export interface QueryResult<T> {
  readonly rows: T[];
  /** Rows changed by INSERT/UPDATE/DELETE (for statements with RETURNING: the rows returned). */
  readonly affected: number;
}

/**
 * What services talk to: SQL with TypeORM-style named parameters (`:name`, `:...list`), in or out of a
 * transaction. Services never see the connections, so a transaction is just another Executor. Every statement of
 * the process runs through `Database` (one place for timings, deadlines and the fair share of connections).
 */
export interface Executor {
  readonly dialect: Dialect;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  run<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<QueryResult<T>>;
  /**
   * A statement with positional parameters in the driver's own syntax (`$1` … on Postgres, `?` on SQLite), values
   * already encoded: for bulk statements (insertRows), where rewriting tens of thousands of named parameters cost
   * more than the INSERT (20% of an ingest's CPU). Numbers are bound, not inlined as `run` does on SQLite.
   */
  runPositional<T = Record<string, unknown>>(text: string, values: readonly unknown[]): Promise<QueryResult<T>>;
}

export type { ScriptStatement } from "./engine";

/** Scripts run one after another (Database.pipeline). */
export interface WritePipeline {
  /** `statements` as one transaction, after those submitted before it; refused once one of them has failed. */
  submit(statements: readonly ScriptStatement[]): Promise<QueryResult<Record<string, unknown>>[]>;
}

/**
 * Most bound parameters one statement may carry, per driver: SQLite's SQLITE_MAX_VARIABLE_NUMBER in the build
 * better-sqlite3 bundles (32766; one more fails with "too many SQL variables"), and Postgres' wire protocol, whose
 * parameter count is 16 bits (65535). Bulk inserts size their chunks from it.
 */
export const MAX_BOUND_PARAMETERS: Readonly<Record<Dialect, number>> = { sqlite: 32_766, postgres: 65_535 };

/**
 * Observes every statement (the statement-count tests, the /metrics timings, the SQLite change feed's nudge, and
 * the benchmark, which replays the exact SQL and values through the bare driver); a transaction's statements are
 * reported when it has ended, so a listener that reads sees what they wrote.
 */
export type StatementListener = (sql: string, milliseconds: number, values: readonly unknown[]) => void;

/** A statement as listeners are told of it: its text, milliseconds taken, and values. */
type Reported = [text: string, milliseconds: number, values: readonly unknown[]];

export interface DatabaseOptions {
  /** Milliseconds a SQLite writer waits for the lock before failing (WAL allows one writer at a time). */
  readonly busyTimeoutMs?: number;
  /** Postgres pool connections, or SQLite reader threads (HUBQL_DB_CONNECTIONS). */
  readonly connections?: number;
  /** Most of them one request holds at once (HUBQL_REQUEST_CONNECTIONS); a third of `connections` by default. */
  readonly requestConnections?: number;
  /** Postgres `statement_timeout` per connection in ms (0: none); SQLite has no equivalent (docs/security.md). */
  readonly statementTimeoutMs?: number;
}

/** Defaults of DatabaseOptions.connections: the Postgres pool, and SQLite reader threads (≈10 MiB each). */
export const DEFAULT_CONNECTIONS: Readonly<Record<Dialect, number>> = { postgres: 10, sqlite: 3 };

/** A request's share when not configured: a third of the connections, at least one. */
export function defaultRequestConnections(connections: number): number {
  return Math.max(1, Math.floor(connections / 3));
}

/** What every view of one open store shares (`Database.forRequest` makes views). */
interface OpenStore {
  readonly dataSource: DataSource;
  readonly dialect: Dialect;
  readonly engine: StoreEngine;
  readonly cleanup: () => void;
  readonly listeners: Set<StatementListener>;
  /**
   * Statements of an open transaction, reported to listeners when it ends (committed or not): a listener that reads
   * what a write did (the SQLite change feed) would otherwise read, on a reader thread, before the commit.
   */
  readonly unreported: WeakMap<Session, Reported[]>;
}

export class Database implements Executor {
  /** TypeORM's DataSource: migrations, entity metadata, and (SQLite) the main thread's own connection. */
  readonly dataSource: DataSource;
  readonly dialect: Dialect;

  private constructor(
    private readonly store: OpenStore,
    /** The request whose statements these are (deadline, read budget, share); none: the process's own work. */
    private readonly scope: RequestScope | undefined,
  ) {
    this.dataSource = store.dataSource;
    this.dialect = store.dialect;
  }

  /** This store as one request uses it: every statement bounded by `scope` (src/db/request-scope.ts). */
  forRequest(scope: RequestScope): Database {
    return new Database(this.store, scope);
  }

  private static opened(
    dataSource: DataSource,
    dialect: Dialect,
    engine: StoreEngine,
    cleanup = (): void => undefined,
  ) {
    return new Database(
      { dataSource, dialect, engine, cleanup, listeners: new Set(), unreported: new WeakMap() },
      undefined,
    );
  }

  /**
   * Opens the store, creating the SQLite file's folder if needed, and runs pending migrations. `sqlite::memory:`
   * is a file in a fresh temporary folder, deleted on close: still a throwaway store (IPython's DictDB), and one
   * the reader and writer threads can all open.
   */
  static async open(
    location: Exclude<StoreLocation, { kind: "none" }>,
    options: DatabaseOptions = {},
  ): Promise<Database> {
    const dialect: Dialect = location.kind;
    const connections = options.connections ?? DEFAULT_CONNECTIONS[dialect];
    const share = Math.min(connections, options.requestConnections ?? defaultRequestConnections(connections));
    if (location.kind === "postgres") {
      const dataSource = new DataSource({
        type: "postgres",
        url: location.url,
        entities: entitySchemas("postgres"),
        migrations: postgresMigrations,
        installExtensions: false,
        poolSize: connections,
        extra: {
          // A request's share stays open when idle (opened by PostgresEngine.warm below).
          min: share,
          types: POSTGRES_TYPES,
          ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
        },
        logging: false,
      });
      await dataSource.initialize();
      const pool = (dataSource.driver as unknown as { master: Pool }).master;
      const engine = new PostgresEngine(pool, location.url, { connections, share });
      try {
        await dataSource.runMigrations({ transaction: "each" });
        await engine.warm();
      } catch (error) {
        await engine.close();
        await dataSource.destroy();
        throw error;
      }
      return Database.opened(dataSource, dialect, engine);
    }
    const memory = location.path === ":memory:" ? mkdtempSync(join(tmpdir(), "hubql-memory-")) : null;
    const file = memory ? join(memory, "store.db") : sqlitePath(location.path);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const dataSource = new DataSource({
      type: "better-sqlite3",
      database: file,
      entities: entitySchemas("sqlite"),
      migrations: sqliteMigrations,
      // WAL: readers never block the writer; busy timeout: writers queue instead of failing at once.
      enableWAL: true,
      timeout: busyTimeoutMs,
      prepareDatabase: (db: { function: (...args: unknown[]) => unknown; pragma: (s: string) => unknown }) => {
        db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation);
        db.pragma("foreign_keys = ON");
        db.pragma("synchronous = NORMAL");
      },
      logging: false,
    });
    const removeMemory = () => {
      if (memory) rmSync(memory, { recursive: true, force: true });
    };
    try {
      await dataSource.initialize();
      await dataSource.runMigrations({ transaction: "each" });
      const engine = await SqliteEngine.start({
        file,
        readers: connections,
        share,
        busyTimeoutMs,
        ping: async () => void (await dataSource.query("SELECT 1")),
      });
      return Database.opened(dataSource, dialect, engine, removeMemory);
    } catch (error) {
      if (dataSource.isInitialized) await dataSource.destroy();
      removeMemory();
      throw error;
    }
  }

  /** The Postgres pool's connections (for /metrics); null on SQLite. */
  poolStats(): PoolStats | null {
    return poolStats(this.dataSource);
  }

  onStatement(listener: StatementListener): () => void {
    const { listeners } = this.store;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  async query<T = Record<string, unknown>>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await this.run<T>(sql, params)).rows;
  }

  /** One statement, outside any transaction: code inside `transaction` runs its statements through its `tx`. */
  async run<T = Record<string, unknown>>(sql: string, params: Record<string, unknown> = {}): Promise<QueryResult<T>> {
    return this.runPositional<T>(...this.positional(sql, params));
  }

  runPositional<T = Record<string, unknown>>(text: string, values: readonly unknown[]): Promise<QueryResult<T>> {
    return this.execute<T>(null, text, values);
  }

  /**
   * Runs `work` in one transaction; its statements go through the `tx` it is given (on SQLite a statement through
   * this Database instead would wait for the writer the transaction holds). On Postgres the isolation is READ
   * COMMITTED (the default): atomic operations are written as single conditional statements (`UPDATE … WHERE
   * state = … RETURNING`, `FOR UPDATE SKIP LOCKED`), which are correct under it with several gateway processes. On
   * SQLite it holds the one writer (BEGIN IMMEDIATE), so transactions take turns.
   */
  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    const { engine, unreported } = this.store;
    let ended: Session | undefined;
    try {
      return await engine.transaction(this.scope, (session) => {
        ended = session;
        unreported.set(session, []);
        return work(this.executor(session));
      });
    } finally {
      if (ended) this.report(unreported.get(ended) ?? []);
    }
  }

  /**
   * Bulk writes as a pipeline of scripts (StoreEngine.script): each one transaction of statements known in
   * advance, run in the order submitted, on SQLite without waiting for the one before to be answered; once one has
   * failed, the rest are refused and change nothing. Its statements are reported when their script has ended, each
   * with an equal share of the script's time.
   */
  pipeline(): WritePipeline {
    const chain = ++pipelines;
    let failed: { readonly error: unknown } | null = null;
    return {
      submit: async (statements) => {
        if (failed) throw failed.error;
        const budget = this.scope?.budget;
        budget?.check();
        const started = performance.now();
        try {
          const results = await this.store.engine.script(this.scope, statements, chain);
          for (const result of results) budget?.charge(result.rows, result.bytes);
          return results;
        } catch (error) {
          failed ??= { error };
          throw error;
        } finally {
          const share = (performance.now() - started) / Math.max(1, statements.length);
          this.report(statements.map(({ text, values }): Reported => [text, share, values]));
        }
      },
    };
  }

  /** Connections lent out and statements waiting, and SQLite threads still stopping after a deadline. */
  executionStats(): EngineStats {
    return this.store.engine.stats();
  }

  /** A trivial statement on a connection no request uses: what /healthz asks, never queued behind requests. */
  ping(): Promise<void> {
    return this.store.engine.ping();
  }

  async close(): Promise<void> {
    await this.store.engine.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    this.store.cleanup();
  }

  private executor(session: Session): Executor {
    return {
      dialect: this.dialect,
      query: async <R>(sql: string, params: Record<string, unknown> = {}) =>
        (await this.execute<R>(session, ...this.positional(sql, params))).rows,
      run: <R>(sql: string, params: Record<string, unknown> = {}) =>
        this.execute<R>(session, ...this.positional(sql, params)),
      runPositional: <R>(text: string, values: readonly unknown[]) => this.execute<R>(session, text, values),
    };
  }

  /**
   * Named parameters to the driver's positional ones, as TypeORM does it (`:...list` spreads a list; on SQLite
   * numbers are written into the text, so they keep the literal's type in comparisons).
   */
  private positional(sql: string, params: Record<string, unknown>): [string, unknown[]] {
    const [text, escaped] = this.dataSource.driver.escapeQueryWithParameters(sql, params);
    // better-sqlite3 binds no booleans (TypeORM's query runner turned them into 0/1 for us before).
    return [text, this.dialect === "sqlite" ? escaped.map(sqliteValue) : escaped];
  }

  private report(statements: readonly Reported[]): void {
    for (const [text, elapsed, values] of statements) {
      for (const listener of this.store.listeners) listener(text, elapsed, values);
    }
  }

  private async execute<T>(session: Session | null, text: string, values: readonly unknown[]): Promise<QueryResult<T>> {
    const budget = this.scope?.budget;
    budget?.check();
    const started = performance.now();
    try {
      const result = session ? await session.run(text, values) : await this.store.engine.run(text, values, this.scope);
      budget?.charge(result.rows, result.bytes);
      return result as QueryResult<T>;
    } finally {
      const elapsed = performance.now() - started;
      const pending = session && this.store.unreported.get(session);
      if (pending) pending.push([text, elapsed, values]);
      else this.report([[text, elapsed, values]]);
    }
  }
}

function sqliteValue(value: unknown): unknown {
  return typeof value === "boolean" ? Number(value) : value;
}

/** The last chain number given to a pipeline (StoreEngine.script). */
let pipelines = 0;

/** OIDs of `timestamptz` and `timestamp`. */
const INSTANT_OIDS = new Set([1184, 1114]);

/**
 * node-pg's type parsers for this pool: instants stay text (node-pg would make a millisecond `Date` of them), for
 * the instant codec to read at microsecond precision (`decodeInstant`); every other type as node-pg parses it.
 */
const POSTGRES_TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    INSTANT_OIDS.has(oid)
      ? (value: string) => value
      : pgTypes.getTypeParser(oid, format)) as typeof pgTypes.getTypeParser,
};

function sqlitePath(path: string): string {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  return absolute;
}
