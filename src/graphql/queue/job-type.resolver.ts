import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, Info, Int, Mutation, Query, Resolver } from "type-graphql";

import type { JobTypeInput as JobTypeData } from "../../services/queue/job-types.service";
import type { RequestContext } from "../shared/context";
import { selectedProperties } from "../shared/selected-fields";
import { JobTypeInput, JobTypePatch } from "./job-type.input";
import { JOB_TYPE_NEEDS, JobType } from "./job-type.type";

/** Scale job types (scale-queue.md §2, §4.2). Thin: arguments → one call. */
@Resolver(() => JobType)
export class JobTypeResolver {
  @Query(() => [JobType], { description: "Every job type, by name and version." })
  jobTypes(@Ctx() ctx: RequestContext) {
    return ctx.services.queue.jobTypes.list();
  }

  @Query(() => JobType, { nullable: true })
  jobType(@Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo, @Arg("id", () => Int) id: number) {
    return ctx.loaders.jobType.load(id, selectedProperties(info, JOB_TYPE_NEEDS));
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
}
