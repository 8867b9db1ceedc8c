import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";
import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, Float, Info, Int, Mutation, Resolver } from "type-graphql";

import type { JobRow } from "../../services/flows/jobflow.model";
import type { JobState as JobStateName } from "../../services/flows/states";
import type { RequestContext } from "../shared/context";
import { selectedProperties } from "../shared/selected-fields";
import { FilterScalar } from "../scalars";
import { JobResponseInput } from "./flow.input";
import { JobKeyArgs, JobSelectionArgs, LockArgs } from "./job.args";
import { JobQueryInput } from "./job-query.input";
import { JobState } from "./job-state.enum";
import { Job, JOB_NEEDS } from "./job.type";
import { BulkJobResult } from "./jobflow-results.type";
import { lockOptions, selection } from "./jobflow-args";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

/** Job writes: the runner (§6.1, §6.9, §8) and the user operations (§6.2–6.12). Thin: arguments → one service call. */
@Resolver()
export class JobMutationsResolver {
  @Mutation(() => Job, {
    nullable: true,
    description: "Atomically hands out one READY job (priority DESC, created first) as CHECKED_OUT; null if none.",
  })
  async checkoutJob(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("query", () => JobQueryInput, { nullable: true }) query?: JobQueryInput,
    @Arg("flowUuid", () => String, { nullable: true }) flowUuid?: string,
    @Arg("holder", () => String, { nullable: true, description: "Also take a lease on the job for this holder." })
    holder?: string,
    @Arg("ttlSeconds", () => Float, { nullable: true }) ttlSeconds?: number,
    @Info() info?: GraphQLResolveInfo,
  ) {
    // The lease's id is always read: the caller took this lease, its lock id is theirs to see (docs/security.md,
    // "Leases").
    const fields = info ? ([...selectedProperties(info, JOB_NEEDS), "lockId"] as (keyof JobRow)[]) : undefined;
    const job = await ctx.services.flows.runner.checkout({ filter, query, flowUuid, holder, ttlSeconds }, fields);
    if (job?.lockId) ctx.knownLockIds.add(job.lockId);
    return job;
  }

  @Mutation(() => Job, {
    description: "A runner step's outcome: success moves the job on; failure counts attempts, then REMOTE_ERROR.",
  })
  reportJobStep(
    @Ctx() ctx: RequestContext,
    @Args() key: JobKeyArgs,
    @Args() lock: LockArgs,
    @Arg("success", () => Boolean) success: boolean,
    @Arg("to", () => JobState, {
      nullable: true,
      description: "Next state on success; the step's usual one by default.",
    })
    to?: JobStateName,
    @Arg("error", () => String, { nullable: true }) error?: string,
    @Arg("noRetry", () => Boolean, {
      nullable: true,
      description: "The failure cannot be retried: REMOTE_ERROR at once.",
    })
    noRetry?: boolean,
    @Arg("runDir", () => String, { nullable: true }) runDir?: string,
    @Arg("processId", () => String, { nullable: true }) processId?: string,
    @Arg("queueState", () => String, { nullable: true }) queueState?: string,
    @Arg("maxStepAttempts", () => Int, { nullable: true }) maxStepAttempts?: number,
    @Arg("deltaRetrySeconds", () => [Float], { nullable: true }) deltaRetrySeconds?: number[],
  ) {
    return ctx.services.flows.runner.reportStep(
      key,
      { success, to, error, noRetry, runDir, processId, queueState, maxStepAttempts, deltaRetrySeconds },
      lockOptions(lock),
    );
  }

  @Mutation(() => Job, {
    description:
      "Completes a running job (COMPLETED with its response, or FAILED); children become READY; flow state follows.",
  })
  completeJob(
    @Ctx() ctx: RequestContext,
    @Args() key: JobKeyArgs,
    @Args() lock: LockArgs,
    @Arg("success", () => Boolean) success: boolean,
    @Arg("error", () => String, { nullable: true }) error?: string,
    @Arg("response", () => JobResponseInput, { nullable: true }) response?: JobResponseInput,
    @Arg("startTime", () => DateTimeScalar, { nullable: true }) startTime?: Instant,
    @Arg("endTime", () => DateTimeScalar, { nullable: true }) endTime?: Instant,
  ) {
    return ctx.services.flows.runner.complete(key, { success, error, response, startTime, endTime }, lockOptions(lock));
  }

  @Mutation(() => BulkJobResult, {
    description: "Reruns jobs (FAILED/REMOTE_ERROR; any with force); children go back to WAITING.",
  })
  rerunJobs(
    @Ctx() ctx: RequestContext,
    @Args() select: JobSelectionArgs,
    @Args() lock: LockArgs,
    @Arg("force", () => Boolean, { defaultValue: false }) force: boolean,
  ) {
    return ctx.services.flows.operations.rerun(selection(select), force, lockOptions(lock));
  }

  @Mutation(() => BulkJobResult, { description: "REMOTE_ERROR → previous state; running states: step attempts reset." })
  retryJobs(@Ctx() ctx: RequestContext, @Args() select: JobSelectionArgs, @Args() lock: LockArgs) {
    return ctx.services.flows.operations.retry(selection(select), lockOptions(lock));
  }

  @Mutation(() => BulkJobResult, { description: "READY/WAITING → PAUSED." })
  pauseJobs(@Ctx() ctx: RequestContext, @Args() select: JobSelectionArgs, @Args() lock: LockArgs) {
    return ctx.services.flows.operations.pause(selection(select), lockOptions(lock));
  }

  @Mutation(() => BulkJobResult, { description: "PAUSED → READY, or WAITING while parents are not done." })
  playJobs(@Ctx() ctx: RequestContext, @Args() select: JobSelectionArgs, @Args() lock: LockArgs) {
    return ctx.services.flows.operations.play(selection(select), lockOptions(lock));
  }

  @Mutation(() => BulkJobResult, { description: "READY or running → USER_STOPPED." })
  stopJobs(@Ctx() ctx: RequestContext, @Args() select: JobSelectionArgs, @Args() lock: LockArgs) {
    return ctx.services.flows.operations.stop(selection(select), lockOptions(lock));
  }

  @Mutation(() => Int, {
    description: "stop_children: WAITING direct children of the job uuid → STOPPED; returns how many.",
  })
  stopChildren(@Ctx() ctx: RequestContext, @Arg("jobUuid", () => String) jobUuid: string) {
    return ctx.services.flows.operations.stopChildren(jobUuid);
  }

  @Mutation(() => Int, {
    description: "stop_jobflow: every WAITING job of the flow (given by a job uuid or the flow uuid) → STOPPED.",
  })
  stopJobflow(
    @Ctx() ctx: RequestContext,
    @Arg("jobUuid", () => String, { nullable: true }) jobUuid?: string,
    @Arg("flowUuid", () => String, { nullable: true }) flowUuid?: string,
  ) {
    return ctx.services.flows.operations.stopJobflow({ jobUuid, flowUuid });
  }

  @Mutation(() => BulkJobResult, {
    description: "Deletes job rows (output included); refuses more than maxLimit (default 10).",
  })
  deleteJobs(@Ctx() ctx: RequestContext, @Args() select: JobSelectionArgs, @Args() lock: LockArgs) {
    return ctx.services.flows.operations.delete(selection(select), lockOptions(lock));
  }

  @Mutation(() => BulkJobResult, {
    description: "Sets the state, whatever it was; clears the runner bookkeeping; the flow state is not recomputed.",
  })
  setJobState(
    @Ctx() ctx: RequestContext,
    @Args() select: JobSelectionArgs,
    @Args() lock: LockArgs,
    @Arg("state", () => JobState) state: JobStateName,
  ) {
    return ctx.services.flows.operations.setState(selection(select), state, lockOptions(lock));
  }

  @Mutation(() => BulkJobResult, {
    description: "Sets worker, exec config, resources and/or priority (objects merge unless update: false).",
  })
  setJobRunProperties(
    @Ctx() ctx: RequestContext,
    @Args() select: JobSelectionArgs,
    @Args() lock: LockArgs,
    @Arg("worker", () => String, { nullable: true }) worker?: string,
    @Arg("execConfig", () => GraphQLJSON, { nullable: true }) execConfig?: unknown,
    @Arg("resources", () => GraphQLJSONObject, { nullable: true }) resources?: Record<string, unknown>,
    @Arg("priority", () => Int, { nullable: true }) priority?: number,
    @Arg("update", () => Boolean, { defaultValue: true }) update?: boolean,
  ) {
    return ctx.services.flows.operations.setRunProperties(
      selection(select),
      { worker, execConfig, resources, priority, update },
      lockOptions(lock),
    );
  }
}
