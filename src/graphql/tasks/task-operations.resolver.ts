import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, ID, Info, Mutation, Query, Resolver } from "type-graphql";

import type { RequestContext } from "../shared/context";
import { selectedFields } from "../shared/selected-fields";
import { PurgeTaskRecordsArgs, ResubmitTasksArgs } from "./task-operations.args";
import { PurgeResult, ResubmitResult } from "./task-operations.type";
import { TaskResult } from "./task-result.type";

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
  resubmitTasks(@Ctx() ctx: RequestContext, @Args() args: ResubmitTasksArgs) {
    return ctx.services.taskResubmit.resubmit({ ...args });
  }

  @Mutation(() => PurgeResult, {
    description:
      "Removes task records named by exactly one of msgIds, filter, engineUuids or all. all and engineUuids remove only completed records; pending ones need force.",
  })
  purgeTaskRecords(@Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo, @Args() args: PurgeTaskRecordsArgs) {
    return ctx.services.taskPurge.purge({ ...args }, { listIds: selectedFields(info).has("msgIds") });
  }
}
