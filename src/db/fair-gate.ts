import type { RequestScope } from "./request-scope";

/** Gives the permit back; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release) => void;
  readonly refuse: (error: unknown) => void;
}

/**
 * Hands out a store's connections (Postgres pool clients, SQLite reader threads or the one writer) so that one
 * request cannot take them all: a request holds at most `share` at once, and when one frees up it goes to the
 * waiting request that holds the fewest (the longest waiting among equals; first come first served within one). 60 aliases of a heavy count in one request used to hold all 10 Postgres connections for 35 s; now they
 * queue behind the request's own share and every other request's next statement goes first.
 *
 * Work outside a request scope is its own key each time (no share: the CLI and in-process callers keep the whole
 * pool). Statements inside a transaction run on its connection and never come here again.
 */
export class FairGate {
  private active = 0;
  private readonly held = new Map<RequestScope, number>();
  /** Waiting keys in service order: a key moves to the end when served. */
  private readonly waiting = new Map<object, Waiter[]>();
  /** Scopes whose expiry already refuses their waiters here (one listener per scope and gate). */
  private readonly watched = new WeakSet<RequestScope>();

  constructor(
    private readonly capacity: number,
    readonly share: number,
  ) {}

  /** Permits in use and callers waiting (for /metrics and tests). */
  stats(): { active: number; waiting: number } {
    let waiting = 0;
    for (const queue of this.waiting.values()) waiting += queue.length;
    return { active: this.active, waiting };
  }

  acquire(scope: RequestScope | undefined): Promise<Release> {
    if (scope?.expired) return Promise.reject(scope.deadlineError());
    const key: object = scope ?? {};
    return new Promise<Release>((grant, refuse) => {
      const queue = this.waiting.get(key) ?? [];
      queue.push({ grant, refuse });
      this.waiting.set(key, queue);
      if (scope && !this.watched.has(scope)) {
        this.watched.add(scope);
        scope.onExpire(() => this.refuseAll(scope));
      }
      this.pump();
    });
  }

  private allowed(key: object): boolean {
    return (this.held.get(key as RequestScope) ?? 0) < this.share;
  }

  /** While connections are free: to the waiting request holding the fewest, the longest waiting among equals. */
  private pump(): void {
    while (this.active < this.capacity) {
      let chosen: object | null = null;
      let fewest = Infinity;
      for (const [key, queue] of this.waiting) {
        const waiter = queue[0];
        const holds = this.held.get(key as RequestScope) ?? 0;
        if (waiter && holds < fewest && this.allowed(key)) {
          chosen = key;
          fewest = holds;
        }
      }
      if (chosen === null) return;
      const queue = this.waiting.get(chosen) as Waiter[];
      const waiter = queue.shift() as Waiter;
      this.waiting.delete(chosen);
      if (queue.length > 0) this.waiting.set(chosen, queue); // to the back among equals
      this.hand(chosen, waiter);
    }
  }

  private hand(key: object, waiter: Waiter): void {
    this.active++;
    const scope = isScope(key) ? key : undefined;
    if (scope) this.held.set(scope, (this.held.get(scope) ?? 0) + 1);
    let released = false;
    waiter.grant(() => {
      if (released) return;
      released = true;
      this.active--;
      if (scope) {
        const left = (this.held.get(scope) ?? 1) - 1;
        if (left > 0) this.held.set(scope, left);
        else this.held.delete(scope);
      }
      this.pump();
    });
  }

  private refuseAll(scope: RequestScope): void {
    const queue = this.waiting.get(scope);
    if (!queue) return;
    this.waiting.delete(scope);
    for (const waiter of queue) waiter.refuse(scope.deadlineError());
  }
}

function isScope(key: object): key is RequestScope {
  return typeof (key as Partial<RequestScope>).deadlineError === "function";
}
