import { Pool, type PoolClient, type QueryResult as PgResult } from "pg";

import { statementFailure } from "./driver-errors";
import type { EngineStats, RawResult, ScriptStatement, Session, StoreEngine } from "./engine";
import { FairGate } from "./fair-gate";
import { raceDeadline, type RequestScope } from "./request-scope";

export interface PostgresEngineOptions {
  /** The pool's size (HUBQL_DB_CONNECTIONS); the pool itself is TypeORM's, built with this size. */
  readonly connections: number;
  /** Most connections one request holds at once (HUBQL_REQUEST_CONNECTIONS). */
  readonly share: number;
}

/** How long a control statement (health check, cancel) may take; it never waits on a lock. */
const CONTROL_STATEMENT_TIMEOUT_MS = 5000;

/**
 * Postgres execution: the pool's connections go through a FairGate, and a separate control pool (two connections,
 * never lent to requests) answers /healthz and cancels statements. A request's deadline cancels its running
 * statements server-side with `pg_cancel_backend(pid)` from the control pool — `statement_timeout` bounds one
 * statement, not a request — and the caller gets LIMIT_EXCEEDED at the deadline, without waiting for the
 * cancellation to land. A connection goes back to the pool only once everything sent on it has settled (the
 * cancelled statement, then ROLLBACK in a transaction), so a late cancel can never hit another request's statement:
 * Postgres ignores a cancel that reaches an idle backend.
 */
export class PostgresEngine implements StoreEngine {
  private readonly gate: FairGate;
  /** Each chain's last script (see `script`). */
  private readonly chains = new Map<number, Promise<void>>();
  private readonly control: Pool;
  private readonly share: number;

  constructor(
    private readonly pool: Pool,
    url: string,
    options: PostgresEngineOptions,
  ) {
    this.gate = new FairGate(options.connections, options.share);
    this.share = options.share;
    this.control = new Pool({
      connectionString: url,
      max: 2,
      idleTimeoutMillis: 30_000,
      statement_timeout: CONTROL_STATEMENT_TIMEOUT_MS,
    });
    // An idle control connection that drops is replaced on next use; the error is not the process's concern.
    this.control.on("error", () => undefined);
  }

  async run(text: string, values: readonly unknown[], scope: RequestScope | undefined) {
    const connection = await this.connect(scope);
    try {
      return await connection.run(text, values);
    } finally {
      connection.release();
    }
  }

  async transaction<T>(scope: RequestScope | undefined, work: (session: Session) => Promise<T>): Promise<T> {
    const connection = await this.connect(scope);
    try {
      await connection.run("START TRANSACTION", []);
      const result = await work(connection);
      await connection.run("COMMIT", []);
      return result;
    } catch (error) {
      // After a deadline the ROLLBACK queues behind the cancelled statement; the caller does not wait for it.
      const rollback = connection.rollback();
      if (!scope?.expired) await rollback;
      throw error;
    } finally {
      connection.release();
    }
  }

  /**
   * Each script waits for the one before it in its chain (pooled connections would otherwise run them side by
   * side, in any order), and fails with that one's failure if it failed. A chain is forgotten once its last
   * script has ended: its caller (Database.pipeline) refuses what comes after a failure.
   */
  script(scope: RequestScope | undefined, statements: readonly ScriptStatement[], chain: number): Promise<RawResult[]> {
    const previous = this.chains.get(chain) ?? Promise.resolve();
    const done = previous.then(() =>
      this.transaction(scope, async (session) => {
        const results: RawResult[] = [];
        for (const { text, values } of statements) results.push(await session.run(text, values));
        return results;
      }),
    );
    const tail = done.then(() => undefined);
    this.chains.set(chain, tail);
    const forget = () => {
      if (this.chains.get(chain) === tail) this.chains.delete(chain);
    };
    tail.then(forget, forget);
    return done;
  }

  stats(): EngineStats {
    return { ...this.gate.stats(), retiring: 0 };
  }

  async ping(): Promise<void> {
    await this.control.query("SELECT 1");
  }

  /**
   * Opens a request's share of the pool's connections ahead of the first requests that need them; the pool keeps
   * them (its `min`, set to the share in database.ts). A connection opened on demand cost a reader 80 ms on a loaded
   * 2-core machine (the backend's fork and login), on top of the statement, the first time two statements ran at once.
   */
  async warm(): Promise<void> {
    const clients = await Promise.all(Array.from({ length: this.share }, () => this.pool.connect()));
    for (const client of clients) client.release();
  }

  async close(): Promise<void> {
    await this.control.end();
  }

  /** A pool connection under the request's share, or the deadline error if that comes first. */
  private async connect(scope: RequestScope | undefined): Promise<Connection> {
    const permit = await this.gate.acquire(scope);
    const connecting = this.pool.connect();
    try {
      const client = await raceDeadline(scope, connecting);
      return new Connection(client, scope, permit, (pid) => this.cancel(pid));
    } catch (error) {
      connecting.then(
        (client) => client.release(),
        () => undefined,
      );
      permit();
      throw error;
    }
  }

  private async cancel(pid: number): Promise<void> {
    await this.control.query("SELECT pg_cancel_backend($1)", [pid]).catch(() => undefined);
  }
}

/** One pool client lent to one statement or transaction, with everything sent on it tracked until it settles. */
class Connection implements Session {
  private settled: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: PoolClient,
    private readonly scope: RequestScope | undefined,
    private readonly permit: () => void,
    private readonly cancel: (pid: number) => Promise<void>,
  ) {}

  async run(text: string, values: readonly unknown[]): Promise<RawResult> {
    this.scope?.check();
    const statement = this.client.query(text, values as unknown[]);
    this.track(statement);
    const unsubscribe = this.scope?.onExpire(() => this.track(this.cancel(backendPid(this.client))));
    try {
      return toRawResult(await raceDeadline(this.scope, statement));
    } catch (error) {
      throw statementFailure(text, values, error);
    } finally {
      unsubscribe?.();
    }
  }

  rollback(): Promise<void> {
    const rollback = this.client.query("ROLLBACK").then(
      () => undefined,
      () => undefined,
    );
    this.track(rollback);
    return rollback;
  }

  /** Back to the pool once all it was sent has settled; the permit with it. */
  release(): void {
    void this.settled.then(() => {
      this.client.release();
      this.permit();
    });
  }

  private track(work: Promise<unknown>): void {
    const done = work.then(
      () => undefined,
      () => undefined,
    );
    this.settled = Promise.all([this.settled, done]);
  }
}

function toRawResult(result: PgResult): RawResult {
  const rows = (result.rows ?? []) as Record<string, unknown>[];
  return { rows, affected: result.rowCount ?? rows.length };
}

/** The server process behind a client (pg sets it from BackendKeyData; not in its published types). */
function backendPid(client: PoolClient): number {
  return (client as unknown as { processID: number }).processID;
}
