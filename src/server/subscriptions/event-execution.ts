import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from "graphql";

import { Loaders } from "../../graphql/loaders/loaders";
import type { RequestContext } from "../../graphql/shared/context";

/**
 * graphql-js' `subscribe`, with one difference: each event runs with loaders of its own batch. A subscription
 * lives for hours, so per-subscription loaders would serve stale rows; per-event loaders shared by every
 * subscription that receives the same read of the change log (the feed's `batch`) load each changed record once
 * for all of them — one statement per entity type per batch, however many subscribers.
 */
export async function subscribeWithEventLoaders(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const source: AsyncIterator<unknown> = stream[Symbol.asyncIterator]();
  const base = args.contextValue as RequestContext;
  const contextFor = (event: unknown): RequestContext => {
    const batch = (event as { batch?: object }).batch;
    if (!batch) return base;
    let loaders = sharedLoaders.get(batch);
    if (!loaders) sharedLoaders.set(batch, (loaders = new Loaders(base.services)));
    return { ...base, loaders };
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: async () => {
      const item = await source.next();
      if (item.done) return { done: true, value: undefined };
      const result = await execute({ ...args, rootValue: item.value, contextValue: contextFor(item.value) });
      return { done: false, value: result };
    },
    // Straight to the source: the client's `complete` must reach the feed even while no change is pending.
    return: async () => {
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** Loaders per batch, across subscriptions; dropped with the batch (nothing else holds it once delivered). */
const sharedLoaders = new WeakMap<object, Loaders>();

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}
