import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, Info, Mutation, Resolver } from "type-graphql";

import type { RequestContext } from "../shared/context";
import { selectedProperties } from "../shared/selected-fields";
import { Flow, FLOW_NEEDS } from "./flow.type";
import { FlowInput } from "./flow.input";
import { FlowSelectionArgs, LockArgs } from "./job.args";
import { DeleteFlowsResult } from "./jobflow-results.type";
import { lockOptions } from "./jobflow-args";

/** Flow writes (jobflow-remote.md §6.13, §6.16). Thin: arguments → one service call. */
@Resolver()
export class FlowMutationsResolver {
  @Mutation(() => Flow, { description: "Adds a flow and its jobs atomically; db ids come from an atomic counter." })
  async addFlow(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("flow", () => FlowInput) flow: FlowInput,
  ) {
    const { flowUuid } = await ctx.services.flows.submission.addFlow(flow);
    return ctx.loaders.jobflow.flow.load(flowUuid, selectedProperties(info, FLOW_NEEDS));
  }

  @Mutation(() => DeleteFlowsResult, {
    description: "Deletes flows and all their jobs; refuses more than maxLimit (default 10).",
  })
  deleteFlows(@Ctx() ctx: RequestContext, @Args() select: FlowSelectionArgs, @Args() lock: LockArgs) {
    return ctx.services.flows.submission.deleteFlows(select, lockOptions(lock));
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
