import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from "type-graphql";

import type { JobTypeInput as JobTypeData } from "../../services/queue/job-type.service";
import type {
  JobReference,
  JobSelection,
  QueueOperationResult as OperationResult,
} from "../../services/queue/queue.model";
import type { RequestContext } from "../context";
import { FilterScalar } from "../scalars";
import { selectedFields } from "../selection";
import {
  JobLoadGroup,
  JobLoadSnapshot,
  JobType,
  JobTypeInput,
  JobTypePatch,
  QueueEntry,
  QueueEntryConnection,
  QueueOperationResult,
  QueueOrderMode,
  QueueStatus,
  ScaleJob,
  ScaleJobConnection,
  ScaleJobInput,
  ScaleJobQueueOutcome,
  ScaleJobReference,
} from "./queue.types";

/** Thin: arguments → one call on the queue services (scale-queue.md). */
@Resolver()
export class QueueResolver {
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
    const selected = selectedFields(info, ["edges", "node"]);
    const fields = [
      ...selected,
      ...(selected.has("job") ? ["jobId"] : []),
      ...(selected.has("jobType") ? ["jobTypeId"] : []),
    ];
    return ctx.services.queue.entries.list({ orderMode, ignoreJobTypeIds, filter, first, after, fields });
  }

  @Query(() => QueueEntry, { nullable: true })
  queueEntry(@Ctx() ctx: RequestContext, @Arg("id", () => Int) id: number) {
    return ctx.loaders.queueEntry.load(id);
  }

  @Query(() => [QueueStatus], {
    description: "Per job type with entries: count, oldest queued time, best priority; unpaused types first.",
  })
  queueStatus(@Ctx() ctx: RequestContext) {
    return ctx.services.queue.entries.status();
  }

  @Query(() => [JobLoadGroup], {
    description:
      "Job-load history grouped by measurement time. started/ended: ISO datetime with an offset, or an ISO duration (now − duration). started defaults to UTC midnight 7 days ago; the span may be at most 31 days.",
  })
  jobLoad(
    @Ctx() ctx: RequestContext,
    @Arg("started", () => String, { nullable: true }) started?: string,
    @Arg("ended", () => String, { nullable: true }) ended?: string,
    @Arg("jobTypeIds", () => [Int], { nullable: true }) jobTypeIds?: number[],
    @Arg("jobTypeNames", () => [String], { nullable: true, description: "Every version of these job types." })
    jobTypeNames?: string[],
  ) {
    return ctx.services.queue.jobLoad.groups({ started, ended, jobTypeIds, jobTypeNames });
  }

  @Query(() => [JobType], { description: "Every job type, by name and version." })
  jobTypes(@Ctx() ctx: RequestContext) {
    return ctx.services.queue.jobTypes.list();
  }

  @Query(() => JobType, { nullable: true })
  jobType(@Ctx() ctx: RequestContext, @Arg("id", () => Int) id: number) {
    return ctx.loaders.jobType.load(id);
  }

  @Query(() => ScaleJobConnection, { description: "Scale jobs matching a filter over ScaleJob fields, by id." })
  scaleJobs(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return ctx.services.queue.jobs.list({ filter, first, after });
  }

  @Query(() => ScaleJob, { nullable: true })
  scaleJob(@Ctx() ctx: RequestContext, @Arg("id", () => Int) id: number) {
    return ctx.loaders.scaleJob.load(id);
  }

  @Mutation(() => JobType)
  createJobType(@Ctx() ctx: RequestContext, @Arg("input", () => JobTypeInput) input: JobTypeInput) {
    return ctx.services.queue.jobTypes.create({ ...input } as JobTypeData);
  }

  @Mutation(() => JobType, { description: "Pause or unpause, (de)activate, change max tries or configuration." })
  updateJobType(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => Int) id: number,
    @Arg("patch", () => JobTypePatch) patch: JobTypePatch,
  ) {
    return ctx.services.queue.jobTypes.update(id, { ...patch });
  }

  @Mutation(() => [ScaleJob], {
    description: "Creates jobs atomically; with queue: true each is queued at once (its type must be active).",
  })
  createScaleJobs(
    @Ctx() ctx: RequestContext,
    @Arg("jobs", () => [ScaleJobInput]) jobs: ScaleJobInput[],
    @Arg("queue", { defaultValue: false }) queue: boolean,
  ) {
    return ctx.services.queue.jobs.create(
      jobs.map((job) => ({ ...job })),
      queue,
    );
  }

  @Mutation(() => QueueOperationResult, {
    description: "First queue of PENDING/BLOCKED jobs with input that never ran; says why the others were skipped.",
  })
  async queueJobs(
    @Ctx() ctx: RequestContext,
    @Arg("jobs", () => [ScaleJobReference]) jobs: ScaleJobReference[],
    @Arg("priority", () => Int, { nullable: true, description: "Overrides the job's priority; 0 or null: not given." })
    priority?: number,
    @Arg("dryRun", { defaultValue: false }) dryRun?: boolean,
  ) {
    return summarize(await ctx.services.queue.operations.queueJobs(references(jobs), priority, dryRun));
  }

  @Mutation(() => QueueOperationResult, {
    description:
      "Requeues jobs that ran before and are not COMPLETED (max tries reset to executions + the type's max tries); uncancels CANCELED jobs that never ran. By jobs, or a filter over ScaleJob fields, or all: true.",
  })
  async requeueJobs(
    @Ctx() ctx: RequestContext,
    @Arg("jobs", () => [ScaleJobReference], { nullable: true }) jobs?: ScaleJobReference[],
    @Arg("filter", () => FilterScalar, {
      nullable: true,
      description: "Over ScaleJob fields; {} is refused without all: true.",
    })
    filter?: Record<string, unknown>,
    @Arg("all", () => Boolean, { nullable: true }) all?: boolean,
    @Arg("priority", () => Int, { nullable: true }) priority?: number,
    @Arg("dryRun", () => Boolean, { nullable: true }) dryRun?: boolean,
    @Arg("maxLimit", () => Int, { nullable: true, description: "Refuse, changing nothing, when more jobs match." })
    maxLimit?: number,
  ) {
    return summarize(
      await ctx.services.queue.operations.requeueJobs(selection(jobs, filter, all, dryRun, maxLimit), priority),
    );
  }

  @Mutation(() => QueueOperationResult, {
    description:
      "Cancels jobs that are not CANCELED or COMPLETED; their queue entries stay, flagged isCanceled, until claimed.",
  })
  async cancelQueuedJobs(
    @Ctx() ctx: RequestContext,
    @Arg("jobs", () => [ScaleJobReference], { nullable: true }) jobs?: ScaleJobReference[],
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("all", () => Boolean, { nullable: true }) all?: boolean,
    @Arg("dryRun", () => Boolean, { nullable: true }) dryRun?: boolean,
    @Arg("maxLimit", () => Int, { nullable: true }) maxLimit?: number,
  ) {
    return summarize(await ctx.services.queue.operations.cancelJobs(selection(jobs, filter, all, dryRun, maxLimit)));
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

  @Mutation(() => [JobLoadSnapshot], { description: "Takes a job-load snapshot now and returns its rows." })
  calculateJobLoad(@Ctx() ctx: RequestContext) {
    return ctx.services.queue.jobLoad.calculate();
  }
}

/** Relation fields, batched per request through the loaders. */
@Resolver(() => QueueEntry)
export class QueueEntryFieldsResolver {
  @FieldResolver(() => ScaleJob, { nullable: true })
  job(@Root() entry: QueueEntry, @Ctx() ctx: RequestContext) {
    return ctx.loaders.scaleJob.load(entry.jobId);
  }

  @FieldResolver(() => JobType, { nullable: true })
  jobType(@Root() entry: QueueEntry, @Ctx() ctx: RequestContext) {
    return ctx.loaders.jobType.load(entry.jobTypeId);
  }
}

@Resolver(() => ScaleJob)
export class ScaleJobFieldsResolver {
  @FieldResolver(() => JobType, { nullable: true })
  jobType(@Root() job: ScaleJob, @Ctx() ctx: RequestContext) {
    return ctx.loaders.jobType.load(job.jobTypeId);
  }
}

@Resolver(() => QueueStatus)
export class QueueStatusFieldsResolver {
  @FieldResolver(() => JobType)
  async jobType(@Root() status: QueueStatus, @Ctx() ctx: RequestContext) {
    return ctx.loaders.jobType.load(status.jobTypeId);
  }
}

@Resolver(() => JobLoadSnapshot)
export class JobLoadSnapshotFieldsResolver {
  @FieldResolver(() => JobType, { nullable: true })
  jobType(@Root() snapshot: JobLoadSnapshot, @Ctx() ctx: RequestContext) {
    return snapshot.jobTypeId === null ? null : ctx.loaders.jobType.load(snapshot.jobTypeId);
  }
}

@Resolver(() => ScaleJobQueueOutcome)
export class ScaleJobQueueOutcomeFieldsResolver {
  @FieldResolver(() => ScaleJob, { nullable: true, description: "The job as it is now (null when NOT_FOUND)." })
  job(@Root() outcome: ScaleJobQueueOutcome, @Ctx() ctx: RequestContext) {
    return ctx.loaders.scaleJob.load(outcome.jobId);
  }
}

export const QUEUE_RESOLVERS = [
  QueueResolver,
  QueueEntryFieldsResolver,
  ScaleJobFieldsResolver,
  QueueStatusFieldsResolver,
  JobLoadSnapshotFieldsResolver,
  ScaleJobQueueOutcomeFieldsResolver,
] as const;

function references(jobs: readonly ScaleJobReference[]): JobReference[] {
  return jobs.map((job) => ({ jobId: job.jobId, exeNum: job.exeNum ?? null }));
}

function selection(
  jobs: ScaleJobReference[] | undefined,
  filter: unknown,
  all: boolean | undefined,
  dryRun: boolean | undefined,
  maxLimit: number | undefined,
): JobSelection {
  return { jobs: jobs ? references(jobs) : null, filter, all, dryRun, maxLimit };
}

function summarize(result: OperationResult) {
  const count = (action: string) => result.outcomes.filter((outcome) => outcome.action === action).length;
  return {
    dryRun: result.dryRun,
    outcomes: result.outcomes,
    queuedCount: count("QUEUED"),
    uncanceledCount: count("UNCANCELED"),
    canceledCount: count("CANCELED"),
    skippedCount: count("SKIPPED"),
  };
}
