import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

import { types as pgTypes } from "pg";
import { DataSource, type EntityManager, type QueryRunner } from "typeorm";

import { postgresMigrations } from "../../migrations/postgres";
import { sqliteMigrations } from "../../migrations/sqlite";
import { type Dialect, SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation } from "../dialect";
import type { StoreLocation } from "./database-url";
import { entitySchemas } from "./entities";
import { poolStats, type PoolStats } from "./pool-stats";
import { currentReadBudget } from "./read-budget";

export interface QueryResult<T> {
  readonly rows: T[];
  /** Rows changed by INSERT/UPDATE/DELETE (for statements with RETURNING: the rows returned). */
  readonly affected: number;
}

/**
 * What services talk to: SQL with TypeORM-style named parameters (`:name`, `:...list`), in or out of a
 * transaction. Services never see the DataSource, so a transaction is just another Executor. Every statement of
 * the process runs through `Database.execute` (one place for timings, and for deadlines or pool shares later).
 */
export interface Executor {
  readonly dialect: Dialect;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  run<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<QueryResult<T>>;
}

/**
 * Most bound parameters one statement may carry, per driver: SQLite's SQLITE_MAX_VARIABLE_NUMBER in the build
 * better-sqlite3 bundles (32766; one more fails with "too many SQL variables"), and Postgres' wire protocol, whose
 * parameter count is 16 bits (65535). Bulk inserts size their chunks from it.
 */
export const MAX_BOUND_PARAMETERS: Readonly<Record<Dialect, number>> = { sqlite: 32_766, postgres: 65_535 };

/**
 * Observes every statement (the statement-count tests, the /metrics timings, and the benchmark, which replays the
 * exact SQL and values through the bare driver).
 */
export type StatementListener = (sql: string, milliseconds: number, values: readonly unknown[]) => void;

export interface DatabaseOptions {
  /** Seconds a SQLite writer waits for the lock before failing (WAL allows one writer at a time). */
  readonly busyTimeoutMs?: number;
  readonly poolSize?: number;
  /** Postgres `statement_timeout` per connection in ms (0: none); SQLite has no equivalent (docs/security.md). */
  readonly statementTimeoutMs?: number;
}

export class Database implements Executor {
  private readonly listeners = new Set<StatementListener>();
  /**
   * SQLite has ONE connection: while a transaction is open on it, another request's statement would run inside
   * that transaction (and a second BEGIN fails with "cannot start a transaction within a transaction"). So on
   * SQLite, transactions and standalone statements take turns; code already inside the transaction (same async
   * context) goes straight through. better-sqlite3 is synchronous, so no parallelism is lost. (docs/security.md)
   */
  private sqliteTurn: Promise<unknown> = Promise.resolve();
  private readonly insideSqliteTransaction = new AsyncLocalStorage<true>();

  private constructor(
    readonly dataSource: DataSource,
    readonly dialect: Dialect,
  ) {}

  /** Opens the store, creating the SQLite file's folder if needed, and runs pending migrations. */
  static async open(
    location: Exclude<StoreLocation, { kind: "none" }>,
    options: DatabaseOptions = {},
  ): Promise<Database> {
    const dialect: Dialect = location.kind;
    const dataSource =
      location.kind === "postgres"
        ? new DataSource({
            type: "postgres",
            url: location.url,
            entities: entitySchemas("postgres"),
            migrations: postgresMigrations,
            installExtensions: false,
            poolSize: options.poolSize ?? 10,
            extra: {
              types: POSTGRES_TYPES,
              ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
            },
            logging: false,
          })
        : new DataSource({
            type: "better-sqlite3",
            database: sqlitePath(location.path),
            entities: entitySchemas("sqlite"),
            migrations: sqliteMigrations,
            // WAL: readers never block the writer; busy timeout: writers queue instead of failing at once.
            enableWAL: location.path !== ":memory:",
            timeout: options.busyTimeoutMs ?? 5000,
            prepareDatabase: (db: { function: (...args: unknown[]) => unknown; pragma: (s: string) => unknown }) => {
              db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation);
              db.pragma("foreign_keys = ON");
              db.pragma("synchronous = NORMAL");
            },
            logging: false,
          });
    await dataSource.initialize();
    const database = new Database(dataSource, dialect);
    await dataSource.runMigrations({ transaction: "each" });
    return database;
  }

  /** The Postgres pool's connections (for /metrics); null on SQLite. */
  poolStats(): PoolStats | null {
    return poolStats(this.dataSource);
  }

  onStatement(listener: StatementListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async query<T = Record<string, unknown>>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await this.run<T>(sql, params)).rows;
  }

  async run<T = Record<string, unknown>>(sql: string, params: Record<string, unknown> = {}): Promise<QueryResult<T>> {
    return this.exclusive(() => this.execute<T>(this.dataSource.manager, sql, params));
  }

  /**
   * Runs `work` in one transaction. On Postgres the isolation is READ COMMITTED (the default): atomic operations
   * are written as single conditional statements (`UPDATE … WHERE state = … RETURNING`, `FOR UPDATE SKIP LOCKED`),
   * which are correct under it with several gateway processes.
   */
  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.exclusive(() => this.insideSqliteTransaction.run(true, () => this.openTransaction(work)));
  }

  private openTransaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const tx: Executor = {
        dialect: this.dialect,
        query: async <R>(sql: string, params: Record<string, unknown> = {}) =>
          (await this.execute<R>(manager, sql, params)).rows,
        run: <R>(sql: string, params: Record<string, unknown> = {}) => this.execute<R>(manager, sql, params),
      };
      return work(tx);
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.dialect !== "sqlite" || this.insideSqliteTransaction.getStore()) return work();
    const turn = this.sqliteTurn.then(work, work);
    this.sqliteTurn = turn.catch(() => undefined);
    return turn;
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async execute<T>(
    manager: EntityManager,
    sql: string,
    params: Record<string, unknown>,
  ): Promise<QueryResult<T>> {
    const [text, values] = this.dataSource.driver.escapeQueryWithParameters(sql, params);
    const budget = currentReadBudget();
    budget?.check();
    const started = performance.now();
    const runner: QueryRunner | undefined = manager.queryRunner;
    const ownRunner = runner ?? this.dataSource.createQueryRunner();
    try {
      const result = await ownRunner.query(text, values, true);
      const rows = (result.records ?? []) as T[];
      budget?.charge(rows);
      return { rows, affected: result.affected ?? rows.length };
    } finally {
      if (!runner) await ownRunner.release();
      const elapsed = performance.now() - started;
      for (const listener of this.listeners) listener(text, elapsed, values);
    }
  }
}

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
  if (path === ":memory:") return path;
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  return absolute;
}
