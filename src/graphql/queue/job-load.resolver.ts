import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from "type-graphql";

import type { RequestContext } from "../shared/context";
import { selectedProperties } from "../shared/selected-fields";
import { JOB_TYPE_NEEDS, JobType } from "./job-type.type";
import { JobLoadGroup, JobLoadSnapshot } from "./job-load.type";

/** Job-load history and snapshots (scale-queue.md §1.2, §4.1). Thin: arguments → one call. */
@Resolver(() => JobLoadSnapshot)
export class JobLoadResolver {
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

  @Mutation(() => [JobLoadSnapshot], { description: "Takes a job-load snapshot now and returns its rows." })
  calculateJobLoad(@Ctx() ctx: RequestContext) {
    return ctx.services.queue.jobLoad.calculate();
  }

  @FieldResolver(() => JobType, { nullable: true })
  jobType(@Root() snapshot: JobLoadSnapshot, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    if (snapshot.jobTypeId === null) return null;
    return ctx.loaders.jobType.loadReference(snapshot.jobTypeId, selectedProperties(info, JOB_TYPE_NEEDS), "id");
  }
}
