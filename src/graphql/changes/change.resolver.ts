import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, Info, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";

import type { ChangeEntity, ChangeEvent } from "../../services";
import { Flow, FLOW_NEEDS } from "../flows/flow.type";
import { Job, JOB_NEEDS } from "../flows/job.type";
import { QueueEntry, QUEUE_ENTRY_NEEDS } from "../queue/queue-entry.type";
import { FilterScalar } from "../scalars";
import type { RequestContext } from "../shared/context";
import { selectedProperties } from "../shared/selected-fields";
import { TaskRecord, TASK_RECORD_NEEDS } from "../tasks/task-record.type";
import { ChangeKind } from "./change-kind.enum";
import { FlowChange, JobChange, QueueEntryChange, TaskRecordChange } from "./change.type";

/** What a subscription's source yields: a change, or the error that ends it (LIMIT_EXCEEDED …). */
export type ChangeItem = ChangeEvent | { readonly failure: unknown };

/** The change as its `…Change` type sees it: the key under the type's own id field, and the event behind it. */
interface ChangeView {
  readonly kind: ChangeKind;
  readonly event: ChangeEvent;
}

type Filter = Record<string, unknown>;
interface Args {
  readonly filter?: Filter | null;
}

const FILTER = {
  nullable: true,
  description:
    "The list's filter (docs/filter.md), tested on the row after the change (before it, for DELETED): a change " +
    "is delivered exactly when the list query with this filter would return that row.",
};

/**
 * The four subscriptions (docs/subscriptions.md): thin, like every resolver — arguments → the change feed. The
 * filter is validated before the subscription starts (BAD_USER_INPUT ends it at once); a failure while it runs
 * (a bulk change, a full buffer) arrives as one last result with that error, then the subscription completes.
 */
@Resolver()
export class ChangeSubscriptionResolver {
  @Subscription(() => TaskRecordChange, {
    description: "Task records added, updated or deleted (every write path, every replica).",
    subscribe: (data: SubscribeResolverData<unknown, Args, RequestContext>) => changes(data, "TaskRecord"),
  })
  taskRecordChanged(@Root() item: ChangeItem, @Arg("filter", () => FilterScalar, FILTER) _filter?: Filter) {
    const view = unwrap(item);
    return { ...view, msgId: view.event.key };
  }

  @Subscription(() => JobChange, {
    description: "Job rows added, updated or deleted.",
    subscribe: (data: SubscribeResolverData<unknown, Args, RequestContext>) => changes(data, "Job"),
  })
  jobChanged(@Root() item: ChangeItem, @Arg("filter", () => FilterScalar, FILTER) _filter?: Filter) {
    const view = unwrap(item);
    return { ...view, dbId: view.event.key };
  }

  @Subscription(() => FlowChange, {
    description: "Flows added, updated or deleted.",
    subscribe: (data: SubscribeResolverData<unknown, Args, RequestContext>) => changes(data, "Flow"),
  })
  flowChanged(@Root() item: ChangeItem, @Arg("filter", () => FilterScalar, FILTER) _filter?: Filter) {
    const view = unwrap(item);
    return { ...view, uuid: view.event.key };
  }

  @Subscription(() => QueueEntryChange, {
    description: "Queue entries added, updated or deleted.",
    subscribe: (data: SubscribeResolverData<unknown, Args, RequestContext>) => changes(data, "QueueEntry"),
  })
  queueEntryChanged(@Root() item: ChangeItem, @Arg("filter", () => FilterScalar, FILTER) _filter?: Filter) {
    const view = unwrap(item);
    return { ...view, id: Number(view.event.key) };
  }
}

@Resolver(() => TaskRecordChange)
export class TaskRecordChangeResolver {
  @FieldResolver(() => TaskRecord, { nullable: true, description: "The record after the change; null when DELETED." })
  record(@Root() change: ChangeView, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    if (change.kind === ChangeKind.DELETED) return null;
    return ctx.loaders.taskRecord.load(change.event.key, selectedProperties(info, TASK_RECORD_NEEDS));
  }
}

@Resolver(() => JobChange)
export class JobChangeResolver {
  @FieldResolver(() => Job, { nullable: true, description: "The job after the change; null when DELETED." })
  job(@Root() change: ChangeView, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    if (change.kind === ChangeKind.DELETED) return null;
    return ctx.loaders.jobflow.jobByDbId.load(change.event.key, selectedProperties(info, JOB_NEEDS));
  }
}

@Resolver(() => FlowChange)
export class FlowChangeResolver {
  @FieldResolver(() => Flow, { nullable: true, description: "The flow after the change; null when DELETED." })
  flow(@Root() change: ChangeView, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    if (change.kind === ChangeKind.DELETED) return null;
    return ctx.loaders.jobflow.flow.load(change.event.key, selectedProperties(info, FLOW_NEEDS));
  }
}

@Resolver(() => QueueEntryChange)
export class QueueEntryChangeResolver {
  @FieldResolver(() => QueueEntry, { nullable: true, description: "The entry after the change; null when DELETED." })
  entry(@Root() change: ChangeView, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    if (change.kind === ChangeKind.DELETED) return null;
    return ctx.loaders.queueEntry.load(Number(change.event.key), selectedProperties(info, QUEUE_ENTRY_NEEDS));
  }
}

export const CHANGE_RESOLVERS = [
  ChangeSubscriptionResolver,
  TaskRecordChangeResolver,
  JobChangeResolver,
  FlowChangeResolver,
  QueueEntryChangeResolver,
] as const;

/** Subscribes (validating the filter first, so a bad one fails the subscription at once) and adapts failures. */
async function changes({ args, context }: SubscribeResolverData<unknown, Args, RequestContext>, entity: ChangeEntity) {
  return failuresAsItems(await context.services.changes.subscribe(entity, args.filter));
}

/**
 * The feed's subscription with its ending error turned into one last item. Written as a plain iterator, not an
 * async generator: a generator's `return()` waits behind a pending `next()`, so a client's `complete` on an idle
 * subscription would never reach the feed.
 */
function failuresAsItems(source: AsyncIterableIterator<ChangeEvent>): AsyncIterableIterator<ChangeItem> {
  let failed = false;
  const iterator: AsyncIterableIterator<ChangeItem> = {
    next: async () => {
      if (failed) return { done: true, value: undefined };
      try {
        return await source.next();
      } catch (failure) {
        failed = true;
        return { done: false, value: { failure } };
      }
    },
    return: async () => {
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

function unwrap(item: ChangeItem): ChangeView {
  if ("failure" in item) throw item.failure;
  return { kind: item.kind as ChangeKind, event: item };
}
