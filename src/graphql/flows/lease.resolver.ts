import { Arg, Args, Ctx, Float, ID, Mutation, Resolver } from "type-graphql";

import type { RequestContext } from "../shared/context";
import { FlowSelectionArgs, JobKeyArgs, JobSelectionArgs, LeaseArgs } from "./job.args";
import { Lease, UnlockResult } from "./jobflow-results.type";
import { selection } from "./jobflow-args";

/** Leases on jobs and flows (§4, §6.15). Thin: arguments → one service call. */
@Resolver()
export class LeaseResolver {
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
}
