import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";
import { Arg, Args, Ctx, Float, ID, Int, Mutation, Resolver } from "type-graphql";

import type { JobSelection, LockOptions } from "../../services/flows/model";
import type { JobState as JobStateName } from "../../services/flows/states";
import type { RequestContext } from "../context";
import { FilterScalar } from "../scalars";
import {
  BulkJobResult,
  DeleteFlowsResult,
  Flow,
  FlowInput,
  FlowSelectionArgs,
  Job,
  JobKeyArgs,
  JobQueryInput,
  JobResponseInput,
  JobSelectionArgs,
  JobState,
  Lease,
  LeaseArgs,
  LockArgs,
  UnlockResult,
} from "./flow.types";

const selection = (args: JobSelectionArgs): JobSelection => ({ ...args });
const lockOptions = (args: LockArgs): LockOptions => ({ ...args });

/** Every flow/job write (jobflow-remote.md §6) and the leases (§4). Thin: arguments → one service call. */
@Resolver()
export class JobflowMutationsResolver {
  @Mutation(() => Flow, { description: "Adds a flow and its jobs atomically; db ids come from an atomic counter." })
  async addFlow(@Ctx() ctx: RequestContext, @Arg("flow", () => FlowInput) flow: FlowInput) {
    const { flowUuid } = await ctx.services.flows.submission.addFlow(flow);
    return ctx.loaders.jobflow.flow.load(flowUuid);
  }

  @Mutation(() => DeleteFlowsResult, {
    description: "Deletes flows and all their jobs; refuses more than maxLimit (default 10).",
  })
  deleteFlows(@Ctx() ctx: RequestContext, @Args() select: FlowSelectionArgs, @Args() lock: LockArgs) {
    return ctx.services.flows.submission.deleteFlows(select, lockOptions(lock));
  }

  @Mutation(() => Job, {
    nullable: true,
    description: "Atomically hands out one READY job (priority DESC, created first) as CHECKED_OUT; null if none.",
  })
  checkoutJob(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("query", () => JobQueryInput, { nullable: true }) query?: JobQueryInput,
    @Arg("flowUuid", () => String, { nullable: true }) flowUuid?: string,
    @Arg("holder", () => String, { nullable: true, description: "Also take a lease on the job for this holder." })
    holder?: string,
    @Arg("ttlSeconds", () => Float, { nullable: true }) ttlSeconds?: number,
  ) {
    return ctx.services.flows.runner.checkout({ filter, query, flowUuid, holder, ttlSeconds });
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
    @Arg("startTime", () => Date, { nullable: true }) startTime?: Date,
    @Arg("endTime", () => Date, { nullable: true }) endTime?: Date,
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

  @Mutation(() => Lease, {
    description: "Takes a lease on one job; LOCKED (holder, since) while someone else's lease is active.",
  })
  lockJob(@Ctx() ctx: RequestContext, @Args() key: JobKeyArgs, @Args() lease: LeaseArgs) {
    return ctx.services.flows.leases.lockJob(key, lease);
  }

  @Mutation(() => Lease, { description: "Takes a lease on a flow." })
  lockFlow(@Ctx() ctx: RequestContext, @Arg("uuid", () => ID) uuid: string, @Args() lease: LeaseArgs) {
    return ctx.services.flows.leases.lockFlow(uuid, lease);
  }

  @Mutation(() => Lease, { description: "Extends an active lease; NOT_FOUND once released, expired or broken." })
  renewLock(
    @Ctx() ctx: RequestContext,
    @Arg("lockId", () => ID) lockId: string,
    @Arg("ttlSeconds", () => Float, { nullable: true }) ttlSeconds?: number,
  ) {
    return ctx.services.flows.leases.renewLock(lockId, ttlSeconds);
  }

  @Mutation(() => Boolean, {
    description: "Releases a lease; false when that lock id holds nothing (released, broken, taken over after expiry).",
  })
  releaseLock(@Ctx() ctx: RequestContext, @Arg("lockId", () => ID) lockId: string) {
    return ctx.services.flows.leases.releaseLock(lockId);
  }

  @Mutation(() => UnlockResult, {
    description: "Clears the leases of the selected jobs (cleanup after crashed holders).",
  })
  unlockJobs(@Ctx() ctx: RequestContext, @Args() select: JobSelectionArgs) {
    return ctx.services.flows.leases.unlockJobs(selection(select));
  }

  @Mutation(() => UnlockResult, { description: "Clears the leases of the selected flows." })
  unlockFlows(@Ctx() ctx: RequestContext, @Args() select: FlowSelectionArgs) {
    return ctx.services.flows.leases.unlockFlows(select);
  }

  @Mutation(() => String, {
    nullable: true,
    description: "Registers a batch worker's process; returns the process uuid it replaced.",
  })
  addBatchProcess(
    @Ctx() ctx: RequestContext,
    @Arg("worker", () => String) worker: string,
    @Arg("processId", () => String) processId: string,
    @Arg("processUuid", () => String) processUuid: string,
  ) {
    return ctx.services.flows.submission.addBatchProcess(worker, processId, processUuid);
  }

  @Mutation(() => Boolean, { description: "Forgets a batch process; false if it was not registered." })
  removeBatchProcess(
    @Ctx() ctx: RequestContext,
    @Arg("worker", () => String) worker: string,
    @Arg("processId", () => String) processId: string,
  ) {
    return ctx.services.flows.submission.removeBatchProcess(worker, processId);
  }
}
