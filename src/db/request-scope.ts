import { type HubqlError, limitExceeded } from "../errors";
import type { ReadBudget } from "./read-budget";

/**
 * One request's claim on the database: its deadline (HUBQL_REQUEST_TIMEOUT_MS), its read budget
 * (HUBQL_MAX_READ_BYTES) and its identity for the fair share of connections (src/db/fair-gate.ts). The server opens
 * one per GraphQL request and hands it down explicitly: the request's services run on `Database.forRequest(scope)`,
 * so every statement they run is bounded by it. Explicitly, not through AsyncLocalStorage: on Node 20 that installs
 * promise hooks that run for every promise of the process; taking them out cut a `{ __typename }` request's server
 * CPU from 145 to 127 µs (interleaved A/B, issue 14).
 *
 * When the deadline passes, the scope aborts: the stores cancel its running statements (Postgres:
 * `pg_cancel_backend`; SQLite: the worker thread is retired) and refuse its queued and later ones with
 * LIMIT_EXCEEDED. Work outside any scope (the import CLI, timers, subscriptions, in-process tests) has no deadline,
 * no budget and no share.
 */
export class RequestScope {
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();
  private expiredAt: number | null = null;

  constructor(
    readonly timeoutMs: number,
    /** What the request may read; none: unbounded. */
    readonly budget: ReadBudget | null = null,
  ) {
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => this.expire(), timeoutMs);
      this.timer.unref();
    }
  }

  get expired(): boolean {
    return this.expiredAt !== null;
  }

  /**
   * Calls `listener` once when the deadline passes (at once if it has); returns the unsubscribe. A Set rather than
   * an AbortSignal: a request may have hundreds of statements waiting, and EventTarget warns past 10 listeners.
   */
  onExpire(listener: () => void): () => void {
    if (this.expired) {
      listener();
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the request's database work now, as the deadline does. */
  expire(): void {
    if (this.expired) return;
    this.expiredAt = performance.now();
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener();
  }

  /** What every statement of an expired scope fails with. */
  deadlineError(): HubqlError {
    return limitExceeded(
      `The request ran longer than HUBQL_REQUEST_TIMEOUT_MS (${this.timeoutMs} ms); its database work was cancelled. Narrow the filter, page, or split the request`,
      { limit: "requestTimeout", maximum: this.timeoutMs },
    );
  }

  /** Throws the deadline error once the scope has expired. */
  check(): void {
    if (this.expired) throw this.deadlineError();
  }

  /** The request is over: its deadline no longer matters. */
  end(): void {
    clearTimeout(this.timer);
    this.listeners.clear();
  }
}

/**
 * Rejects with the scope's deadline error as soon as it expires, else settles as `work` does. The work itself goes
 * on (the store cancels it); the caller gets its answer at the deadline, not when the cancellation lands.
 */
export function raceDeadline<T>(scope: RequestScope | undefined, work: Promise<T>): Promise<T> {
  if (!scope) return work;
  if (scope.expired) {
    work.catch(() => undefined);
    return Promise.reject(scope.deadlineError());
  }
  return new Promise<T>((resolve, reject) => {
    const unsubscribe = scope.onExpire(() => {
      work.catch(() => undefined);
      reject(scope.deadlineError());
    });
    work.then(
      (value) => {
        unsubscribe();
        resolve(value);
      },
      (error: unknown) => {
        unsubscribe();
        reject(scope.expired ? scope.deadlineError() : error);
      },
    );
  });
}
