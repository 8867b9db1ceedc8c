import type { HubqlError } from "../../errors";
import type { ChangeEntity, ChangeEvent } from "./change.model";

/**
 * One subscriber's changes, as an async iterator. Its queue is bounded: past `buffer` waiting changes it ends
 * with the error `overflow()` makes (LIMIT_EXCEEDED: the client re-reads and subscribes again) instead of growing.
 * Ending it, by the client (`return`) or by the feed (`end`/`fail`), removes it from the feed (`onEnd`).
 */
export class ChangeSubscription implements AsyncIterableIterator<ChangeEvent> {
  private readonly queue: ChangeEvent[] = [];
  private waiter: { resolve: (result: IteratorResult<ChangeEvent>) => void; reject: (error: unknown) => void } | null =
    null;
  private failure: HubqlError | null = null;
  private ended = false;

  constructor(
    readonly entity: ChangeEntity,
    private readonly buffer: number,
    private readonly overflow: () => HubqlError,
    private readonly onEnd: (subscription: ChangeSubscription) => void,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** Changes waiting to be taken. */
  get pending(): number {
    return this.queue.length;
  }

  push(event: ChangeEvent): void {
    if (this.ended) return;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve({ value: event, done: false });
      return;
    }
    if (this.queue.length >= this.buffer) {
      this.fail(this.overflow());
      return;
    }
    this.queue.push(event);
  }

  /** Ends with an error: waiting changes are dropped, the next `next()` rejects with it. */
  fail(error: HubqlError): void {
    if (this.ended) return;
    this.failure = error;
    this.queue.length = 0;
    this.finish();
  }

  /** Ends quietly once the waiting changes are taken (the server is stopping). */
  end(): void {
    if (this.ended) return;
    this.finish();
  }

  next(): Promise<IteratorResult<ChangeEvent>> {
    const event = this.queue.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<ChangeEvent>> {
    this.queue.length = 0;
    this.failure = null;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ChangeEvent> {
    return this;
  }

  private finish(): void {
    if (!this.ended) {
      this.ended = true;
      this.onEnd(this);
    }
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      if (this.failure) {
        const failure = this.failure;
        this.failure = null;
        waiter.reject(failure);
      } else {
        waiter.resolve({ value: undefined, done: true });
      }
    }
  }
}
