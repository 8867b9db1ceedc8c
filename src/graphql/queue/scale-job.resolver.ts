import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from "type-graphql";

import type { JobReference, QueueOperationResult as OperationResult } from "../../services/queue/queue.model";
import type { RequestContext } from "../shared/context";
import { FilterScalar } from "../scalars";
import { JOB_TYPE_NEEDS, JobType } from "./job-type.type";
import { QueueOperationResult, ScaleJobQueueOutcome } from "./queue-outcome.type";
import { ScaleJobInput, ScaleJobReference } from "./scale-job.input";
import { ScaleJobSelectionArgs } from "./scale-job-selection.args";
import { SCALE_JOB_NEEDS, ScaleJob, ScaleJobConnection } from "./scale-job.type";
import { selectedProperties } from "../shared/selected-fields";

/** Scale jobs and the queue operations on them (scale-queue.md §2, §3.3–3.7). Thin: arguments → one call. */
@Resolver(() => ScaleJob)
export class ScaleJobResolver {
  @Query(() => ScaleJobConnection, { description: "Scale jobs matching a filter over ScaleJob fields, by id." })
  scaleJobs(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return ctx.services.queue.jobs.list({
      filter,
      first,
      after,
      fields: selectedProperties(info, SCALE_JOB_NEEDS, ["edges", "node"]),
    });
  }

  @Query(() => ScaleJob, { nullable: true })
  scaleJob(@Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo, @Arg("id", () => Int) id: number) {
    return ctx.loaders.scaleJob.load(id, selectedProperties(info, SCALE_JOB_NEEDS));
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
    @Args() select: ScaleJobSelectionArgs,
    @Arg("priority", () => Int, { nullable: true }) priority?: number,
  ) {
    return summarize(await ctx.services.queue.operations.requeueJobs(selection(select), priority));
  }

  @Mutation(() => QueueOperationResult, {
    description:
      "Cancels jobs that are not CANCELED or COMPLETED; their queue entries stay, flagged isCanceled, until claimed.",
  })
  async cancelQueuedJobs(@Ctx() ctx: RequestContext, @Args() select: ScaleJobSelectionArgs) {
    return summarize(await ctx.services.queue.operations.cancelJobs(selection(select)));
  }

  @FieldResolver(() => JobType, { nullable: true })
  jobType(@Root() job: ScaleJob, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return ctx.loaders.jobType.loadReference(job.jobTypeId, selectedProperties(info, JOB_TYPE_NEEDS), "id");
  }
}

@Resolver(() => ScaleJobQueueOutcome)
export class ScaleJobQueueOutcomeFieldsResolver {
  @FieldResolver(() => ScaleJob, { nullable: true, description: "The job as it is now (null when NOT_FOUND)." })
  job(@Root() outcome: ScaleJobQueueOutcome, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return ctx.loaders.scaleJob.load(outcome.jobId, selectedProperties(info, SCALE_JOB_NEEDS));
  }
}

function references(jobs: readonly ScaleJobReference[]): JobReference[] {
  return jobs.map((job) => ({ jobId: job.jobId, exeNum: job.exeNum ?? null }));
}

function selection(select: ScaleJobSelectionArgs) {
  return { ...select, jobs: select.jobs ? references(select.jobs) : null };
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
