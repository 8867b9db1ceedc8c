import type { GraphQLResolveInfo } from "graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, ID, Info, Int, Mutation, Query, Resolver } from "type-graphql";

import type { TaskRecordData, TaskRecordRow } from "../../services/tasks/task-record.model";
import type { RequestContext } from "../shared/context";
import { SortDirection } from "../shared/sort-direction.enum";
import { FilterScalar } from "../scalars";
import { selectedProperties } from "../shared/selected-fields";
import { TaskRecordInput, TaskRecordPatch } from "./task-record.input";
import { TaskRecordOrder } from "./task-record-order.input";
import { TASK_RECORD_NEEDS, TaskRecord, TaskRecordConnection } from "./task-record.type";

/** Thin: arguments → TasksService → result. */
@Resolver(() => TaskRecord)
export class TaskRecordResolver {
  @Query(() => TaskRecordConnection, { description: "Task records matching a filter, one page in keyset order." })
  taskRecords(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("filter", () => FilterScalar, {
      nullable: true,
      description: "MongoDB-style filter; none or {} matches every record.",
    })
    filter?: Record<string, unknown>,
    @Arg("orderBy", () => [TaskRecordOrder], {
      nullable: true,
      description: "Default: submitted ascending. Insertion order (the Hub's) always breaks ties.",
    })
    orderBy?: TaskRecordOrder[],
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return ctx.services.tasks.list({
      filter,
      orderBy: orderBy?.map((order) => ({ field: order.field, descending: order.direction === SortDirection.DESC })),
      first,
      after,
      fields: selectedProperties(info, TASK_RECORD_NEEDS, ["edges", "node"]) as readonly (keyof TaskRecordRow)[],
    });
  }

  @Query(() => TaskRecord, { nullable: true })
  taskRecord(@Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo, @Arg("msgId", () => ID) msgId: string) {
    return ctx.services.tasks.get(
      msgId,
      selectedProperties(info, TASK_RECORD_NEEDS) as readonly (keyof TaskRecordRow)[],
    );
  }

  @Query(() => Int, { description: "How many task records match the filter." })
  countTaskRecords(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
  ) {
    return ctx.services.tasks.count(filter);
  }

  @Query(() => [String], {
    description:
      "Every msg_id by submit time, oldest first, insertion order among equal times (Client.hub_history): whole, or the page limit/offset ask for. A request reads at most HUBQL_MAX_READ_BYTES (LIMIT_EXCEEDED beyond; never cut short).",
  })
  taskHistory(
    @Ctx() ctx: RequestContext,
    @Arg("limit", () => Int, { nullable: true, description: "At most this many ids (a page)." }) limit?: number,
    @Arg("offset", () => Int, { nullable: true, description: "Skip this many ids first." }) offset?: number,
  ) {
    return ctx.services.tasks.history({ limit, offset });
  }

  @Query(() => [GraphQLJSONObject], {
    description:
      "IPython's db_query: records as dicts with the Hub's snake_case keys, in insertion order (the Hub's); msg_id always present, buffers only when named in keys. Whole, or the page limit/offset ask for; a request reads at most HUBQL_MAX_READ_BYTES (LIMIT_EXCEEDED beyond; never cut short).",
  })
  dbQuery(
    @Ctx() ctx: RequestContext,
    @Arg("query", () => FilterScalar) query: Record<string, unknown>,
    @Arg("keys", () => [String], {
      nullable: true,
      description: "Keys to return (a single string works too); none or [] means all but the buffers.",
    })
    keys?: string[],
    @Arg("limit", () => Int, { nullable: true, description: "At most this many records (a page)." }) limit?: number,
    @Arg("offset", () => Int, { nullable: true, description: "Skip this many records first." }) offset?: number,
  ) {
    return ctx.services.tasks.dbQuery(query, keys, { limit, offset });
  }

  @Mutation(() => [TaskRecord], {
    description: "Adds records atomically: one bad or duplicate record rejects the batch.",
  })
  addTaskRecords(@Ctx() ctx: RequestContext, @Arg("records", () => [TaskRecordInput]) records: TaskRecordInput[]) {
    // Declares the field; at run time `addTaskRecordsPlain` answers it (PLAIN_ARGUMENT_RESOLVERS).
    return ctx.services.tasks.add(records);
  }

  @Mutation(() => TaskRecord, {
    description:
      "Changes fields of one record; an unknown msgId is NOT_FOUND. Setting resubmitted to X also sets X's resubmittedFrom.",
  })
  updateTaskRecord(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("msgId", () => ID) msgId: string,
    @Arg("patch", () => TaskRecordPatch) patch: TaskRecordPatch,
  ) {
    return ctx.services.tasks.update(
      msgId,
      { ...patch },
      selectedProperties(info, TASK_RECORD_NEEDS) as readonly (keyof TaskRecordRow)[],
    );
  }
}

/**
 * `addTaskRecords` on graphql-js's coerced arguments. type-graphql would first copy every record into a
 * TaskRecordInput instance (field lists rebuilt and input types looked up for each record: with the copies' garbage,
 * about 5 % of an ingest's CPU at 1,000 records); the service reads plain objects and validates them itself, and the
 * coerced values are exactly what the schema accepted. Installed by the schema (PLAIN_ARGUMENT_RESOLVERS).
 */
export function addTaskRecordsPlain(
  _root: unknown,
  args: { readonly records: readonly TaskRecordData[] },
  ctx: RequestContext,
) {
  return ctx.services.tasks.add(args.records);
}
