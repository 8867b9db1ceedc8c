import type { GraphQLResolveInfo } from "graphql";
import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";
import { Arg, Args, Ctx, FieldResolver, Float, Info, Int, Query, Resolver, Root } from "type-graphql";

import { compareInstants, type Instant, instantNow, secondsBetween } from "../../dialect";
import { badInput } from "../../errors";
import type { JobNode } from "../../services/flows/jobflow.model";
import { SortDirection } from "../shared/sort-direction.enum";
import type { RequestContext } from "../shared/context";
import { FilterScalar } from "../scalars";
import { AtMostArg } from "../shared/at-most";
import { required, selectedFields, selectedProperties } from "../shared/selected-fields";
import type { JobRelations } from "../loaders/jobflow.loaders";
import { Flow, FLOW_NEEDS } from "./flow.type";
import { JobKeyArgs } from "./job.args";
import { JobQueryInput } from "./job-query.input";
import { Job, JobConnection, JOB_NEEDS } from "./job.type";
import { StateCount } from "./jobflow-results.type";
import { JobOrder } from "./order.input";

/** Job reads and relation fields. Thin: arguments → FlowsService; relations through the per-request loaders. */
@Resolver(() => Job)
export class JobResolver {
  @Query(() => JobConnection, {
    description:
      "Jobs matching a filter and/or jobflow-remote's named filters, one page in keyset order (default: db id).",
  })
  jobs(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("query", () => JobQueryInput, { nullable: true }) query?: JobQueryInput,
    @Arg("orderBy", () => [JobOrder], { nullable: true }) orderBy?: JobOrder[],
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return ctx.services.flows.reads.listJobs({
      filter,
      query,
      orderBy: orderBy?.map((order) => ({ field: order.field, descending: order.direction === SortDirection.DESC })),
      first,
      after,
      fields: selectedProperties(info, JOB_NEEDS, ["edges", "node"]),
    });
  }

  @Query(() => Job, {
    nullable: true,
    description: "One job by dbId, or by uuid and index (the highest index when omitted).",
  })
  job(@Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo, @Args() key: JobKeyArgs) {
    const fields = selectedProperties(info, JOB_NEEDS);
    if (key.dbId !== null && key.dbId !== undefined && (key.uuid === null || key.uuid === undefined))
      return ctx.loaders.jobflow.jobByDbId.load(key.dbId, fields);
    if (key.uuid && (key.dbId === null || key.dbId === undefined))
      return ctx.loaders.jobflow.jobByUuidIndex.load({ uuid: key.uuid, index: key.index ?? null }, fields);
    throw badInput("One and only one among (uuid, index) and dbId should be given", "dbId");
  }

  @Query(() => Int, { description: "How many jobs match." })
  countJobs(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("query", () => JobQueryInput, { nullable: true }) query?: JobQueryInput,
  ) {
    return ctx.services.flows.reads.countJobs(filter, query);
  }

  @Query(() => [StateCount], { description: "Jobs per state (every JobState listed, zeros included)." })
  jobStateCounts(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("query", () => JobQueryInput, { nullable: true }) query?: JobQueryInput,
  ) {
    return ctx.services.flows.reads.jobStateCounts(filter, query);
  }

  @FieldResolver(() => [String])
  parentUuids(@Root() job: JobNode): string[] {
    return required(job, "parents");
  }

  @FieldResolver(() => [String])
  flowParentUuids(@Root() job: JobNode): string[] {
    return required(job, "flowParents");
  }

  @FieldResolver(() => String, { nullable: true })
  documentJson(@Root() job: JobNode, @Ctx() ctx: RequestContext): Promise<string | null> {
    return jobText(job, ctx, "documentJson");
  }

  @FieldResolver(() => GraphQLJSONObject, { nullable: true })
  async document(@Root() job: JobNode, @Ctx() ctx: RequestContext): Promise<unknown> {
    return parsed(await jobText(job, ctx, "documentJson"));
  }

  @FieldResolver(() => String, { nullable: true })
  outputJson(@Root() job: JobNode, @Ctx() ctx: RequestContext): Promise<string | null> {
    return jobText(job, ctx, "outputJson");
  }

  @FieldResolver(() => GraphQLJSON, { nullable: true })
  async output(@Root() job: JobNode, @Ctx() ctx: RequestContext): Promise<unknown> {
    return parsed(await jobText(job, ctx, "outputJson"));
  }

  @FieldResolver(() => Flow)
  flow(@Root() job: JobNode, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return ctx.loaders.jobflow.flow.loadReference(
      required(job, "flowUuid"),
      selectedProperties(info, FLOW_NEEDS),
      "uuid",
    );
  }

  @FieldResolver(() => [Job], { description: "Every row (every index) of every parent uuid." })
  parents(
    @Root() job: JobNode,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @AtMostArg() _atMost?: number,
  ) {
    return ctx.loaders.jobflow.relationOf(job, "parents", selectedProperties(info, JOB_NEEDS));
  }

  @FieldResolver(() => [Job], { description: "Jobs that name this job's uuid as a parent." })
  children(
    @Root() job: JobNode,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @AtMostArg() _atMost?: number,
  ) {
    return ctx.loaders.jobflow.relationOf(job, "children", selectedProperties(info, JOB_NEEDS));
  }

  @FieldResolver(() => Boolean, { description: "Under an active (unexpired) lease." })
  isLocked(@Root() job: JobNode): boolean {
    return isLeased(required(job, "lockId"), required(job, "lockExpires"));
  }

  @FieldResolver(() => Float, { nullable: true, description: "Seconds from startTime to endTime." })
  runTime(@Root() job: JobNode): number | null {
    const [start, end] = [required(job, "startTime"), required(job, "endTime")];
    return start && end ? secondsBetween(start, end) : null;
  }

  @FieldResolver(() => Float, { nullable: true, description: "Seconds since startTime while the job has no endTime." })
  estimatedRunTime(@Root() job: JobNode): number | null {
    const [start, end] = [required(job, "startTime"), required(job, "endTime")];
    return start && !end ? secondsBetween(start, instantNow()) : null;
  }
}

/** The relations of Job a field's selection of jobs asks for, with what each needs: fetched with the jobs. */
export function relationsAsked(info: GraphQLResolveInfo): JobRelations {
  const asked = selectedFields(info);
  return {
    ...(asked.has("parents") ? { parents: selectedProperties(info, JOB_NEEDS, ["parents"]) } : {}),
    ...(asked.has("children") ? { children: selectedProperties(info, JOB_NEEDS, ["children"]) } : {}),
  };
}

export function isLeased(lockId: string | null, lockExpires: Instant | null): boolean {
  return lockId !== null && lockExpires !== null && compareInstants(lockExpires, instantNow()) > 0;
}

/** A job's document or output text: from the row when it was read with it, else through its loader. */
async function jobText(job: JobNode, ctx: RequestContext, property: "documentJson" | "outputJson") {
  const value = job[property];
  if (value !== undefined) return value;
  const loaders = ctx.loaders.jobflow;
  return (property === "documentJson" ? loaders.jobDocument : loaders.jobOutput).load(job.dbId);
}

/** Stored JSON text → its value (null stays null). */
export function parsed(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}
