import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from "type-graphql";

import type { RequestContext } from "../shared/context";
import { FilterScalar } from "../scalars";
import { selectedProperties } from "../shared/selected-fields";
import { JOB_TYPE_NEEDS, JobType } from "./job-type.type";
import { QUEUE_ENTRY_NEEDS, QueueEntry, QueueEntryConnection, QueueStatus } from "./queue-entry.type";
import { QueueOrderMode } from "./queue-order-mode.enum";
import { SCALE_JOB_NEEDS, ScaleJob } from "./scale-job.type";

/** The queue in scheduler order, its status, and claims (scale-queue.md §3.1, §3.2). Thin: arguments → one call. */
@Resolver(() => QueueEntry)
export class QueueEntryResolver {
  @Query(() => QueueEntryConnection, {
    description: "The queue in scheduler order (priority, then queued time, then id); canceled entries included.",
  })
  queue(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("orderMode", () => QueueOrderMode, { defaultValue: QueueOrderMode.FIFO }) orderMode: QueueOrderMode,
    @Arg("ignoreJobTypeIds", () => [Int], { nullable: true, description: "Leave out entries of these job types." })
    ignoreJobTypeIds?: number[],
    @Arg("filter", () => FilterScalar, { nullable: true, description: "Filter over QueueEntry fields." })
    filter?: Record<string, unknown>,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    const fields = selectedProperties(info, QUEUE_ENTRY_NEEDS, ["edges", "node"]);
    return ctx.services.queue.entries.list({ orderMode, ignoreJobTypeIds, filter, first, after, fields });
  }

  @Query(() => QueueEntry, { nullable: true })
  queueEntry(@Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo, @Arg("id", () => Int) id: number) {
    return ctx.loaders.queueEntry.load(id, selectedProperties(info, QUEUE_ENTRY_NEEDS));
  }

  @Query(() => [QueueStatus], {
    description: "Per job type with entries: count, oldest queued time, best priority; unpaused types first.",
  })
  queueStatus(@Ctx() ctx: RequestContext) {
    return ctx.services.queue.entries.status();
  }

  @Mutation(() => [QueueEntry], {
    description:
      "For schedulers: atomically takes (removes) the next entries in queue order, passing over ignored and paused job types. Canceled entries come back with isCanceled: true — record them as canceled executions.",
  })
  claimQueueEntry(
    @Ctx() ctx: RequestContext,
    @Arg("limit", () => Int, { defaultValue: 1 }) limit: number,
    @Arg("ignoreJobTypeIds", () => [Int], { nullable: true }) ignoreJobTypeIds?: number[],
    @Arg("orderMode", () => QueueOrderMode, { defaultValue: QueueOrderMode.FIFO }) orderMode?: QueueOrderMode,
  ) {
    return ctx.services.queue.entries.claim({ limit, ignoreJobTypeIds, orderMode });
  }

  @FieldResolver(() => ScaleJob, { nullable: true })
  job(@Root() entry: QueueEntry, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return ctx.loaders.scaleJob.loadReference(entry.jobId, selectedProperties(info, SCALE_JOB_NEEDS), "id");
  }

  @FieldResolver(() => JobType, { nullable: true })
  jobType(@Root() entry: QueueEntry, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return ctx.loaders.jobType.loadReference(entry.jobTypeId, selectedProperties(info, JOB_TYPE_NEEDS), "id");
  }
}

@Resolver(() => QueueStatus)
export class QueueStatusFieldsResolver {
  @FieldResolver(() => JobType)
  async jobType(@Root() status: QueueStatus, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return ctx.loaders.jobType.loadReference(status.jobTypeId, selectedProperties(info, JOB_TYPE_NEEDS), "id");
  }
}
