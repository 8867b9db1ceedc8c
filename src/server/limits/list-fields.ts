import {
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  GraphQLList,
  type GraphQLField,
  type GraphQLSchema,
  isLeafType,
  isObjectType,
} from "graphql";

import type { Limits } from "../../config";
import { limitExceeded } from "../../errors";
import { MAX_JOB_TYPE_RESOURCES } from "../../services/queue/job-types.service";

/**
 * How many items each list field of the schema can return: the worst case the cost estimate multiplies by, and the
 * cap that makes it true at run time. Every list of objects is classified here; test/security/budget.test.ts fails
 * for one that is not, so a new list gets a bound on purpose (the way MUTATION_POLICY does for roles).
 *
 * - `page`: sized by its `first`/`limit` argument (connections, claims); at most HUBQL_MAX_PAGE_SIZE.
 * - `edges`: a connection's edges, already counted by the connection's `first`.
 * - `argument`: one item per value of an argument (`_entities(representations)`, `taskResults(msgIds)`, bulk adds).
 * - `capped`: at most HUBQL_MAX_LIST_ITEMS, or its `atMost` argument when it has one; a longer list answers
 *   LIMIT_EXCEEDED at run time (`enforceListCaps`). Never cut short: clients get all or an error.
 * - `batch`: a mutation's report, one item per record it touched: costed at the records the mutation names, or at
 *   HUBQL_MAX_LIST_ITEMS for a filter (the service bounds what it touches by HUBQL_MAX_BATCH_SIZE before any change).
 * - `fixed`: bounded by the schema or by validation at write (`items`).
 * - `bytes`: the Hub's whole answers (`dbQuery`, `taskHistory`): as many items as the request's read budget
 *   (HUBQL_MAX_READ_BYTES) allows, or a `limit`/`offset` page; costed at HUBQL_MAX_LIST_ITEMS.
 */
export type ListBound =
  | { readonly kind: "page" | "edges" | "capped" | "batch" | "bytes" }
  | { readonly kind: "argument"; readonly argument: string }
  | { readonly kind: "fixed"; readonly items: number };

const capped = { kind: "capped" } as const;
const batch = { kind: "batch" } as const;
const bytes = { kind: "bytes" } as const;
const page = { kind: "page" } as const;

/** Job and flow states (states.ts): what the per-state counts can list. */
const STATE_COUNT_ITEMS = 16;

/** `Type.field` → bound, for every list-typed field of an object type (connection edges are found by shape). */
export const LIST_BOUNDS: Readonly<Record<string, ListBound>> = {
  "Query._entities": { kind: "argument", argument: "representations" },
  "Query.taskResults": { kind: "argument", argument: "msgIds" },
  "Query.dbQuery": bytes,
  "Query.taskHistory": bytes,
  "Query.jobStateCounts": { kind: "fixed", items: STATE_COUNT_ITEMS },
  "Query.flowStateCounts": { kind: "fixed", items: STATE_COUNT_ITEMS },
  "Query.jobTypes": capped,
  "Query.queueStatus": capped,
  "Query.batchProcesses": capped,
  "Query.jobLoad": capped,
  "Flow.jobs": capped,
  "Flow.ids": capped,
  "Flow.jobUuids": capped,
  "Job.parents": capped,
  "Job.children": capped,
  "JobType.resources": { kind: "fixed", items: MAX_JOB_TYPE_RESOURCES },
  "Mutation.addTaskRecords": { kind: "argument", argument: "records" },
  "Mutation.createScaleJobs": { kind: "argument", argument: "jobs" },
  "Mutation.claimQueueEntry": page,
  "Mutation.calculateJobLoad": capped,
  "QueueOperationResult.outcomes": batch,
  "ResubmitResult.resubmitted": batch,
  "BulkJobResult.dbIds": batch,
  "DeleteFlowsResult.flowUuids": batch,
  "PurgeResult.msgIds": batch,
};

/** Arguments that size a paged field. */
export const PAGE_SIZE_ARGUMENTS = ["first", "limit"];
/** The argument of a capped list that lowers its cap (and its cost) for one request. */
export const AT_MOST_ARGUMENT = "atMost";

/** A connection's `edges`/`nodes` (its type has `pageInfo`): counted by the connection's `first`. */
export function isConnectionList(parentFields: Readonly<Record<string, unknown>>, field: string): boolean {
  return (field === "edges" || field === "nodes") && "pageInfo" in parentFields;
}

export function isListField(field: GraphQLField<unknown, unknown>): boolean {
  return getNullableType(field.type) instanceof GraphQLList;
}

/**
 * The list fields of the schema that need a bound: lists of objects, and leaf lists that come from relations
 * rather than from one record's own data (a record's `buffers` are its data, bounded by the write).
 */
export function unclassifiedLists(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    const fields = type.getFields();
    for (const [name, field] of Object.entries(fields)) {
      if (!isListField(field) || isConnectionList(fields, name)) continue;
      if (isLeafType(getNamedType(field.type)) && !(type.name === "Query" || type.name === "Mutation")) continue;
      if (!LIST_BOUNDS[`${type.name}.${name}`] && !name.startsWith("_service")) missing.push(`${type.name}.${name}`);
    }
  }
  return missing;
}

/**
 * Makes the `capped` bounds true: wraps those fields' resolvers so a list longer than its cap (`atMost`, else
 * HUBQL_MAX_LIST_ITEMS) answers LIMIT_EXCEEDED instead of being returned (or cut short). One length check per list.
 */
export function enforceListCaps(schema: GraphQLSchema, limits: Pick<Limits, "maxListItems">): GraphQLSchema {
  for (const [key, bound] of Object.entries(LIST_BOUNDS)) {
    if (bound.kind !== "capped") continue;
    const [typeName, fieldName] = key.split(".") as [string, string];
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    const field = type.getFields()[fieldName];
    if (!field) continue;
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args: Record<string, unknown>, context, info) => {
      const cap = typeof args[AT_MOST_ARGUMENT] === "number" ? (args[AT_MOST_ARGUMENT] as number) : limits.maxListItems;
      const checked = (list: unknown) => {
        if (Array.isArray(list) && list.length > cap) {
          throw limitExceeded(
            `${key} has ${list.length} items, more than ${cap} (${args[AT_MOST_ARGUMENT] !== undefined ? AT_MOST_ARGUMENT : "HUBQL_MAX_LIST_ITEMS"}); nothing is cut short: ask for it where it is paged`,
            { limit: "listItems", field: key, maximum: cap },
          );
        }
        return list;
      };
      const result: unknown = resolve(source, args, context, info);
      return result instanceof Promise ? result.then(checked) : checked(result);
    };
  }
  return schema;
}
