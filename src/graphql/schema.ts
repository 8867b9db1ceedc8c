import "reflect-metadata";

import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { type GraphQLSchema, lexicographicSortSchema, parse } from "graphql";
import { buildSchema, createResolversMap } from "type-graphql";

import type { RequestContext } from "./shared/context";
import { resolvers } from "./resolvers";
import { DateTimeScalar } from "./scalars";

/**
 * The Federation 2 version hubql's subgraph SDL links to: 2.4, the first whose composition and routers accept a
 * subgraph with `Subscription` fields (the Apollo Router's subscription docs list it as a prerequisite).
 */
export const FEDERATION_URL = "https://specs.apollo.dev/federation/v2.4";

/** Entity types and how `_entities` finds each (batched per request through the loaders). */
const references: Record<string, (reference: Record<string, unknown>, ctx: RequestContext) => unknown> = {
  TaskRecord: (reference, ctx) => ctx.loaders.taskRecord.load(String(reference["msgId"])),
  QueueEntry: (reference, ctx) => ctx.loaders.queueEntry.load(Number(reference["id"])),
  JobType: (reference, ctx) => ctx.loaders.jobType.load(Number(reference["id"])),
  ScaleJob: (reference, ctx) => ctx.loaders.scaleJob.load(Number(reference["id"])),
  Flow: (reference, ctx) => ctx.loaders.jobflow.flow.load(String(reference["uuid"])),
  Job: (reference, ctx) =>
    reference["dbId"] !== undefined
      ? ctx.loaders.jobflow.jobByDbId.load(String(reference["dbId"]))
      : ctx.loaders.jobflow.jobByUuidIndex.load({ uuid: String(reference["uuid"]), index: Number(reference["index"]) }),
};

const NO_TOPICS = {
  publish: (): void => {},
  subscribe: (): never => {
    throw new Error("hubql subscriptions have no topics: each subscribes to the change feed");
  },
};

/**
 * Builds the executable subgraph: type-graphql classes → SDL with directives → `buildSubgraphSchema`, which adds
 * `_service`, `_entities` and the federation types.
 */
export async function buildHubqlSchema(): Promise<GraphQLSchema> {
  const typeGraphqlSchema = await buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    // A subgraph may lack some root types; federation adds Query fields of its own.
    skipCheck: true,
    // type-graphql insists on a PubSub once a Subscription exists; every subscription of hubql has its own
    // `subscribe` (the change feed, src/services/changes), so none is ever asked for topics.
    pubSub: NO_TOPICS,
  });
  const sdl = printSchemaWithDirectives(lexicographicSortSchema(typeGraphqlSchema));
  const typeDefs = parse(
    `extend schema @link(url: "${FEDERATION_URL}", import: ["@key", "@shareable", "@external", "@requires", "@provides"])\n${sdl}`,
  );
  const resolverMap = createResolversMap(typeGraphqlSchema) as GraphQLResolverMap<RequestContext>;
  for (const [typeName, resolveReference] of Object.entries(references)) {
    resolverMap[typeName] = { ...(resolverMap[typeName] as object), __resolveReference: resolveReference } as never;
  }
  return buildSubgraphSchema([{ typeDefs, resolvers: resolverMap }]);
}
