import type { RequestScope } from "../../db/request-scope";

/**
 * Operations at most this costly (a page of 100 records with a dozen fields is about 1,200) never wait: a cheap
 * query answers at once however many heavy ones are queued. They are not counted either, so a stream of them cannot
 * keep a heavy one waiting.
 */
export const LIGHT_COST = 2_000;

interface Waiter {
  readonly cost: number;
  admit(): void;
}

/**
 * Admission by estimated cost (docs/security.md, "Query cost"): operations above LIGHT_COST execute at once only
 * while the cost of those executing stays within `capacity` (HUBQL_CONCURRENT_COST); the others wait, in arrival
 * order, until enough finishes or their request's deadline passes (then LIMIT_EXCEEDED, as for slow work). One
 * operation always runs alone, whatever it costs. Why: memory follows the work in flight, not the number of
 * clients. 64 clients alternating 100-record pages and `flows(first: 100) { jobs { … } }` (cost 15,500) held
 * about 200 MiB of heap at once when every operation ran together, each holding its partial results.
 */
export class Admission {
  private executing = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly capacity: number) {}

  /** Operations waiting for their turn now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves, with the release to call when the operation ends, once the operation may execute. */
  enter(cost: number, scope: RequestScope | undefined): Promise<() => void> {
    if (cost <= LIGHT_COST) return Promise.resolve(() => undefined);
    if (this.waiting.length === 0 && this.fits(cost)) return Promise.resolve(this.take(cost));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        cost,
        admit: () => {
          stopWaiting();
          resolve(this.take(cost));
        },
      };
      this.waiting.push(waiter);
      const stopWaiting =
        scope?.onExpire(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(scope.deadlineError());
          this.admitWaiting();
        }) ?? (() => undefined);
    });
  }

  private fits(cost: number): boolean {
    return this.executing === 0 || this.executing + cost <= this.capacity;
  }

  private take(cost: number): () => void {
    this.executing += cost;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.executing -= cost;
      this.admitWaiting();
    };
  }

  private admitWaiting(): void {
    for (let next = this.waiting[0]; next && this.fits(next.cost); next = this.waiting[0]) {
      this.waiting.shift();
      next.admit();
    }
  }
}
