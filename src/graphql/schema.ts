import "reflect-metadata";

import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { type GraphQLResolveInfo, type GraphQLSchema, isObjectType, lexicographicSortSchema, parse } from "graphql";
import { buildSchema, createResolversMap, getMetadataStorage } from "type-graphql";

import { FLOW_NEEDS } from "./flows/flow.type";
import { JOB_NEEDS } from "./flows/job.type";
import { QUEUE_ENTRY_NEEDS } from "./queue/queue-entry.type";
import { SCALE_JOB_NEEDS } from "./queue/scale-job.type";
import type { RequestContext } from "./shared/context";
import { badInput } from "../errors";
import { selectedProperties } from "./shared/selected-fields";
import { TASK_RECORD_NEEDS } from "./tasks/task-record.type";
import { addTaskRecordsPlain } from "./tasks/task-record.resolver";
import { JOB_TYPE_NEEDS } from "./queue/job-type.type";
import { resolvers } from "./resolvers";
import { DateTimeScalar } from "./scalars";

/**
 * The Federation 2 version hubql's subgraph SDL links to: 2.4, the first whose composition and routers accept a
 * subgraph with `Subscription` fields (the Apollo Router's subscription docs list it as a prerequisite).
 */
export const FEDERATION_URL = "https://specs.apollo.dev/federation/v2.4";

type Reference = Record<string, unknown>;

/**
 * Root fields answered from graphql-js's coerced arguments instead of through type-graphql's resolver, which turns
 * input objects into class instances first: bulk inputs, where that copy costs per record (the resolver says how
 * much). The type-graphql method still declares the field and its arguments.
 */
const PLAIN_ARGUMENT_RESOLVERS: Record<
  string,
  Record<string, (root: never, args: never, ctx: RequestContext) => unknown>
> = {
  Mutation: { addTaskRecords: addTaskRecordsPlain },
};

/**
 * Entity types and how `_entities` finds each: batched per request through the loaders, reading only what the
 * `... on Type { … }` selection of the `_entities` field needs.
 */
const references: Record<string, (reference: Reference, ctx: RequestContext, info: GraphQLResolveInfo) => unknown> = {
  TaskRecord: (reference, ctx, info) =>
    ctx.loaders.taskRecord.load(
      String(reference["msgId"]),
      selectedProperties(info, TASK_RECORD_NEEDS, [], "TaskRecord"),
    ),
  QueueEntry: (reference, ctx, info) =>
    ctx.loaders.queueEntry.load(Number(reference["id"]), selectedProperties(info, QUEUE_ENTRY_NEEDS, [], "QueueEntry")),
  JobType: (reference, ctx, info) =>
    ctx.loaders.jobType.load(Number(reference["id"]), selectedProperties(info, JOB_TYPE_NEEDS, [], "JobType")),
  ScaleJob: (reference, ctx, info) =>
    ctx.loaders.scaleJob.load(Number(reference["id"]), selectedProperties(info, SCALE_JOB_NEEDS, [], "ScaleJob")),
  Flow: (reference, ctx, info) =>
    ctx.loaders.jobflow.flow.load(String(reference["uuid"]), selectedProperties(info, FLOW_NEEDS, [], "Flow")),
  Job: (reference, ctx, info) => {
    const fields = selectedProperties(info, JOB_NEEDS, [], "Job");
    return reference["dbId"] !== undefined
      ? ctx.loaders.jobflow.jobByDbId.load(String(reference["dbId"]), fields)
      : ctx.loaders.jobflow.jobByUuidIndex.load(
          { uuid: String(reference["uuid"]), index: Number(reference["index"]) },
          fields,
        );
  },
};

const NO_TOPICS = {
  publish: (): void => {},
  subscribe: (): never => {
    throw new Error("hubql subscriptions have no topics: each subscribes to the change feed");
  },
};

/** The key fields each entity type is found by (its `@key`s); a representation must carry one set of them. */
const ENTITY_KEYS: Record<string, readonly (readonly string[])[]> = {
  TaskRecord: [["msgId"]],
  QueueEntry: [["id"]],
  JobType: [["id"]],
  ScaleJob: [["id"]],
  Flow: [["uuid"]],
  Job: [["dbId"], ["uuid", "index"]],
};

const NUMERIC_KEYS = new Set(["id", "index"]);

/**
 * Representations are caller input: each must be an object naming one of hubql's entity types and carrying one of
 * its keys as a string or number. Anything else is BAD_USER_INPUT (with its index) before any lookup; the federation
 * library would otherwise throw a plain error, answered as an internal one.
 */
export function checkRepresentations(representations: unknown): void {
  if (!Array.isArray(representations)) throw badInput("representations must be a list", "representations");
  representations.forEach((reference: unknown, index) => {
    const where = `representations[${index}]`;
    if (reference === null || typeof reference !== "object" || Array.isArray(reference)) {
      throw badInput(`${where} must be an object with __typename and a key`, "representations", { index });
    }
    const record = reference as Record<string, unknown>;
    const typename = record["__typename"];
    const keys = typeof typename === "string" ? ENTITY_KEYS[typename] : undefined;
    if (!keys) {
      throw badInput(`${where}.__typename must be one of ${Object.keys(ENTITY_KEYS).join(", ")}`, "representations", {
        index,
      });
    }
    // Numeric keys (`id`, `index`) must be whole numbers, written as numbers or digits; the others are text.
    const valid = (field: string, value: unknown) =>
      NUMERIC_KEYS.has(field)
        ? (typeof value === "number" || (typeof value === "string" && /^-?\d{1,15}$/.test(value))) &&
          Number.isSafeInteger(Number(value))
        : typeof value === "string";
    if (!keys.some((fields) => fields.every((field) => valid(field, record[field])))) {
      throw badInput(
        `${where} needs ${keys.map((fields) => fields.join(" and ")).join(" or ")} for ${String(typename)}`,
        "representations",
        { index },
      );
    }
  });
}

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
  const resolverMap = withoutPlainFieldResolvers(
    createResolversMap(typeGraphqlSchema) as GraphQLResolverMap<RequestContext>,
    typeGraphqlSchema,
  );
  for (const [typeName, fields] of Object.entries(PLAIN_ARGUMENT_RESOLVERS)) {
    resolverMap[typeName] = { ...(resolverMap[typeName] as object), ...fields } as never;
  }
  for (const [typeName, resolveReference] of Object.entries(references)) {
    resolverMap[typeName] = { ...(resolverMap[typeName] as object), __resolveReference: resolveReference } as never;
  }
  const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolverMap }]);
  const entities = schema.getQueryType()?.getFields()["_entities"];
  if (entities?.resolve) {
    const resolve = entities.resolve;
    entities.resolve = (source, args: Record<string, unknown>, context, info) => {
      checkRepresentations(args["representations"]);
      return resolve(source, args, context, info);
    };
  }
  return schema;
}

/**
 * type-graphql gives every plain `@Field` a resolver of its own that reads `root[field]` through its middleware
 * machinery (an object and two calls per field and row, on every row of every list); graphql-js's default
 * resolver reads the same property. hubql uses no middleware, field auth or renamed fields, so only the resolvers
 * of root fields and of `@FieldResolver`s are kept. (With them: 2.8 % of a 100-row list's CPU, measured.)
 */
function withoutPlainFieldResolvers(
  map: GraphQLResolverMap<RequestContext>,
  schema: GraphQLSchema,
): GraphQLResolverMap<RequestContext> {
  const storage = getMetadataStorage();
  const typeNames = new Map<unknown, string>(storage.objectTypes.map((type) => [type.target, type.name]));
  const resolved = new Set(
    storage.fieldResolvers.map((field) => `${typeNames.get(field.getObjectType?.())}.${field.schemaName}`),
  );
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  for (const [typeName, fields] of Object.entries(map)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type) || roots.has(type)) continue;
    for (const fieldName of Object.keys(type.getFields())) {
      if (!resolved.has(`${typeName}.${fieldName}`)) delete (fields as Record<string, unknown>)[fieldName];
    }
  }
  return map;
}
