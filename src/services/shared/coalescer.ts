interface Entry<I, O> {
  readonly input: I;
  /** Answers one batch's inputs, an output each, in order, on the caller's store (its request's deadline, share). */
  readonly runBatch: (inputs: readonly I[]) => Promise<readonly O[]>;
  readonly resolve: (output: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for calls that can share one statement: a call with a key nothing is running for starts at once,
 * alone; calls that arrive while one with their key runs wait for it, then go together as one batch (at most
 * `maxBatch`), and so on. Nothing waits for a timer, so a lone call costs what it did; under load, N callers cost
 * one round trip instead of N. A batch runs with its first call's `runBatch` (its request's deadline and share): if
 * that fails, every call of the batch gets the error. One instance serves the whole process
 * (ServiceContext.perProcess).
 */
export class Coalescer<I, O> {
  private readonly queued = new Map<string, Entry<I, O>[]>();
  private readonly running = new Set<string>();

  constructor(private readonly maxBatch: number) {}

  submit(key: string, input: I, runBatch: Entry<I, O>["runBatch"]): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const entry: Entry<I, O> = { input, runBatch, resolve, reject };
      if (!this.running.has(key)) return this.start(key, [entry]);
      const waiting = this.queued.get(key);
      if (waiting) waiting.push(entry);
      else this.queued.set(key, [entry]);
    });
  }

  private start(key: string, entries: Entry<I, O>[]): void {
    this.running.add(key);
    const first = entries[0] as Entry<I, O>;
    first
      .runBatch(entries.map((entry) => entry.input))
      .then(
        (outputs) => entries.forEach((entry, i) => entry.resolve(outputs[i] as O)),
        (error: unknown) => entries.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        const waiting = this.queued.get(key) ?? [];
        const next = waiting.splice(0, this.maxBatch);
        if (waiting.length === 0) this.queued.delete(key);
        if (next.length > 0) this.start(key, next);
        else this.running.delete(key);
      });
  }
}
