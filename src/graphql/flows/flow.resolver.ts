import type { GraphQLResolveInfo } from "graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, ID, Info, Int, Query, Resolver, Root } from "type-graphql";

import type { FlowNode } from "../../services/flows/jobflow.model";
import { SortDirection } from "../shared/sort-direction.enum";
import type { RequestContext } from "../shared/context";
import { FilterScalar } from "../scalars";
import { AtMostArg } from "../shared/at-most";
import { required, selectedProperties } from "../shared/selected-fields";
import { Flow, FLOW_NEEDS, FlowConnection } from "./flow.type";
import { FlowOrder } from "./order.input";
import { FlowQueryInput } from "./job-query.input";
import { Job, JobId, JOB_NEEDS } from "./job.type";
import { BatchProcess, StateCount } from "./jobflow-results.type";
import { isLeased, parsed, relationsAsked } from "./job.resolver";

/** Flow reads and the FlowDoc views derived from its job rows (jobs, ids, parents), batched per request. */
@Resolver(() => Flow)
export class FlowResolver {
  @Query(() => FlowConnection, {
    description: "Flows matching a filter and/or named filters, one page (default: created first).",
  })
  flows(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("query", () => FlowQueryInput, { nullable: true }) query?: FlowQueryInput,
    @Arg("orderBy", () => [FlowOrder], { nullable: true }) orderBy?: FlowOrder[],
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return ctx.services.flows.reads.listFlows({
      filter,
      query,
      orderBy: orderBy?.map((order) => ({ field: order.field, descending: order.direction === SortDirection.DESC })),
      first,
      after,
      fields: selectedProperties(info, FLOW_NEEDS, ["edges", "node"]),
    });
  }

  @Query(() => Flow, { nullable: true })
  flow(@Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo, @Arg("uuid", () => ID) uuid: string) {
    return ctx.loaders.jobflow.flow.load(uuid, selectedProperties(info, FLOW_NEEDS));
  }

  @Query(() => Int, { description: "How many flows match." })
  countFlows(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("query", () => FlowQueryInput, { nullable: true }) query?: FlowQueryInput,
  ) {
    return ctx.services.flows.reads.countFlows(filter, query);
  }

  @Query(() => [StateCount], { description: "Flows per state (every FlowState listed, zeros included)." })
  flowStateCounts(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => FilterScalar, { nullable: true }) filter?: Record<string, unknown>,
    @Arg("query", () => FlowQueryInput, { nullable: true }) query?: FlowQueryInput,
  ) {
    return ctx.services.flows.reads.flowStateCounts(filter, query);
  }

  @Query(() => [BatchProcess], { description: "Running batch processes, of one worker or of all." })
  batchProcesses(@Ctx() ctx: RequestContext, @Arg("worker", () => String, { nullable: true }) worker?: string) {
    return ctx.services.flows.reads.batchProcesses(worker);
  }

  @FieldResolver(() => [Job], { description: "Every job row of the flow (all indexes), by db id." })
  jobs(
    @Root() flow: FlowNode,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @AtMostArg() _atMost?: number,
  ) {
    return ctx.loaders.jobflow.jobsOfFlow(flow.uuid, selectedProperties(info, JOB_NEEDS), relationsAsked(info));
  }

  @FieldResolver(() => [String], { description: "FlowDoc.jobs: the job uuids, one per uuid." })
  async jobUuids(@Root() flow: FlowNode, @Ctx() ctx: RequestContext, @AtMostArg() _atMost?: number) {
    const jobs = await ctx.loaders.jobflow.jobsOfFlow(flow.uuid, ["uuid"]);
    return [...new Set(jobs.map((job) => required(job, "uuid")))];
  }

  @FieldResolver(() => [JobId], { description: "FlowDoc.ids: one (dbId, uuid, index) per job row." })
  async ids(@Root() flow: FlowNode, @Ctx() ctx: RequestContext, @AtMostArg() _atMost?: number) {
    const jobs = await ctx.loaders.jobflow.jobsOfFlow(flow.uuid, ["dbId", "uuid", "index"]);
    return jobs.map((job) => ({ dbId: job.dbId, uuid: required(job, "uuid"), index: required(job, "index") }));
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description:
      'FlowDoc.parents: {uuid: {"index": [parent uuids]}}, the flow-level parents (a detour does not change them).',
  })
  async parents(@Root() flow: FlowNode, @Ctx() ctx: RequestContext) {
    const result: Record<string, Record<string, string[]>> = {};
    for (const job of await ctx.loaders.jobflow.jobsOfFlow(flow.uuid, ["uuid", "index", "flowParents"])) {
      (result[required(job, "uuid")] ??= {})[String(required(job, "index"))] = required(job, "flowParents");
    }
    return result;
  }

  @FieldResolver(() => String, { nullable: true })
  documentJson(@Root() flow: FlowNode, @Ctx() ctx: RequestContext): Promise<string | null> {
    return ctx.loaders.jobflow.flowDocument.load(flow.uuid);
  }

  @FieldResolver(() => GraphQLJSONObject, { nullable: true })
  async document(@Root() flow: FlowNode, @Ctx() ctx: RequestContext): Promise<unknown> {
    return parsed(await ctx.loaders.jobflow.flowDocument.load(flow.uuid));
  }

  @FieldResolver(() => Boolean, { description: "Under an active (unexpired) lease." })
  isLocked(@Root() flow: FlowNode): boolean {
    return isLeased(required(flow, "lockId"), required(flow, "lockExpires"));
  }
}
