import type { RequestScope } from "./request-scope";

/** What a statement gives back, before the Executor's shaping. */
export interface RawResult {
  readonly rows: Record<string, unknown>[];
  /** Rows changed by INSERT/UPDATE/DELETE; for statements that return rows, the rows returned. */
  readonly affected: number;
  /**
   * About how many bytes the rows hold, where the engine knows it without walking them (SQLite's rows arrive as
   * one JSON text: its length); the read budget walks the rows otherwise (src/db/read-budget.ts).
   */
  readonly bytes?: number;
}

/** A connection one transaction is pinned to: its statements run there, in order. */
export interface Session {
  run(text: string, values: readonly unknown[]): Promise<RawResult>;
}

/** One statement of a script (StoreEngine.script): its text and positional values, in the driver's syntax. */
export interface ScriptStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * Where a store's statements run (src/db/postgres-engine.ts, src/db/sqlite-engine.ts): connections handed out
 * fairly between requests (FairGate), each request's statements bounded by its scope's deadline, and a health check
 * that never waits behind request work. `Database` is the one caller.
 */
export interface StoreEngine {
  /** One statement outside any transaction. */
  run(text: string, values: readonly unknown[], scope: RequestScope | undefined): Promise<RawResult>;
  /** `work` inside one transaction on one connection; committed when it resolves, rolled back when it throws. */
  transaction<T>(scope: RequestScope | undefined, work: (session: Session) => Promise<T>): Promise<T>;
  /**
   * `statements` as one transaction, known in advance, for bulk writes sent one after another (the IPython import).
   * Scripts of one `chain` run in the order they were called; once one has failed, the rest of its chain are
   * refused and change nothing. SQLite sends a script whole and hands its writer on at once, so the next script
   * queues behind it on the writer thread instead of waiting for its answer; Postgres runs each as an ordinary
   * transaction once the one before it in its chain has ended.
   */
  script(scope: RequestScope | undefined, statements: readonly ScriptStatement[], chain: number): Promise<RawResult[]>;
  stats(): EngineStats;
  /** A trivial statement on a connection no request uses (/healthz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What the engine is doing now (tests, and /metrics: `hubql_db_execution`). */
export interface EngineStats {
  /** Connections (Postgres) or reader threads (SQLite) lent out. */
  readonly active: number;
  /** Statements waiting for one. */
  readonly waiting: number;
  /** SQLite threads retired at a deadline whose statement has not stopped yet (0 on Postgres). */
  readonly retiring: number;
}
