import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, ID, Info, Int, Mutation, Query, Resolver } from "type-graphql";

import type { RequestContext } from "../context";
import { FilterScalar } from "../scalars";
import { selectedFields } from "../selection";
import { PurgeResult, ResubmitResult, TaskResult } from "./task-operations.type";

/** Thin: arguments → the task-operation services (results, resubmit, purge) → result. */
@Resolver()
export class TaskOperationsResolver {
  @Query(() => [TaskResult], {
    description: "Status and result of each msg_id, in the order given (the Hub's get_result for anyone's tasks).",
  })
  taskResults(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("msgIds", () => [ID]) msgIds: string[],
  ) {
    return ctx.services.taskResults.results(msgIds, [...selectedFields(info)]);
  }

  @Mutation(() => ResubmitResult, {
    description: "Resubmits tasks as new records (fresh msg_id and submit time, queue 'task'); all or nothing.",
  })
  resubmitTasks(
    @Ctx() ctx: RequestContext,
    @Arg("msgIds", () => [ID], { nullable: true }) msgIds?: string[],
    @Arg("filter", () => FilterScalar, { nullable: true, description: "Instead of msgIds; {} is refused." })
    filter?: Record<string, unknown>,
    @Arg("maxLimit", () => Int, { nullable: true, description: "Refuse, changing nothing, when more records match." })
    maxLimit?: number,
    @Arg("dryRun", { defaultValue: false }) dryRun?: boolean,
  ) {
    return ctx.services.taskResubmit.resubmit({ msgIds, filter, maxLimit, dryRun });
  }

  @Mutation(() => PurgeResult, {
    description:
      "Removes task records named by exactly one of msgIds, filter, engineUuids or all. all and engineUuids remove only completed records; pending ones need force.",
  })
  purgeTaskRecords(
    @Ctx() ctx: RequestContext,
    @Arg("msgIds", () => [ID], { nullable: true }) msgIds?: string[],
    @Arg("filter", () => FilterScalar, { nullable: true, description: "{} is refused; use all: true." })
    filter?: Record<string, unknown>,
    @Arg("engineUuids", () => [String], { nullable: true }) engineUuids?: string[],
    @Arg("all", { defaultValue: false }) all?: boolean,
    @Arg("force", { defaultValue: false, description: "Also remove records that have not completed." }) force?: boolean,
    @Arg("dryRun", { defaultValue: false }) dryRun?: boolean,
    @Arg("maxLimit", () => Int, { nullable: true, description: "Refuse, changing nothing, when more records match." })
    maxLimit?: number,
  ) {
    return ctx.services.taskPurge.purge({ msgIds, filter, engineUuids, all, force, dryRun, maxLimit });
  }
}
