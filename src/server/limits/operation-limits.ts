import {
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  type GraphQLCompositeType,
  type GraphQLField,
  GraphQLList,
  type GraphQLSchema,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
} from "graphql";

import type { Limits } from "../../config";
import { limitExceeded } from "../../errors";
import { argumentValues } from "../document/operation";

/** Items assumed for a list of objects that takes no `first` (e.g. a flow's jobs): an estimate, documented. */
export const UNPAGED_LIST_ESTIMATE = 10;
/** Arguments that say how many items a field returns: `first` on pages, `limit` on claims (claimQueueEntry). */
const PAGE_SIZE_ARGUMENTS = ["first", "limit"];
/** The scalar that carries filters (src/graphql/scalars): its size adds to the cost of the field it filters. */
const FILTER_SCALAR = "Filter";

type OperationLimits = Pick<
  Limits,
  "maxQueryDepth" | "maxQueryCost" | "maxPageSize" | "defaultPageSize" | "maxBatchSize"
>;

/**
 * Depth, cost, page size and batch size of one operation, judged from its document and variables before any
 * resolver runs (issue #7: "Exceeding one answers LIMIT_EXCEEDED before doing the work").
 *
 * Cost of a field = 1 + the size of its filter + (items it returns) × (cost of its selection), where items is
 * `first`/`limit` (or the default page size) for paged fields, 1 for `edges`/`nodes` inside a connection (already counted
 * by the connection's `first`), UNPAGED_LIST_ESTIMATE for other lists of objects, and 1 otherwise.
 * Named fragments are costed once per depth (memoised), so fragment fan-out cannot make the estimate itself slow.
 */
export function enforceOperationLimits(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  rootFields: readonly FieldNode[],
  variables: Readonly<Record<string, unknown>> | undefined,
  limits: OperationLimits,
): { depth: number; cost: number } {
  const root = schema.getRootType(operation.operation);
  if (!root) return { depth: 0, cost: 0 };
  for (const field of rootFields) checkBatchSizes(field, variables, limits.maxBatchSize);

  let deepest = 0;
  const memo = new Map<string, number>();

  const selectionCost = (set: SelectionSetNode, parent: GraphQLCompositeType, depth: number): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) cost += fieldCost(selection, parent, depth + 1);
      else {
        const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments[selection.name.value] : selection;
        if (!fragment) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
        const type = condition && isCompositeType(condition) ? condition : parent;
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const key = `${selection.name.value}@${depth}`;
          let fragmentCost = memo.get(key);
          if (fragmentCost === undefined) {
            memo.set(key, 0); // validation rejects fragment cycles; this only guards the walk itself
            fragmentCost = selectionCost(fragment.selectionSet, type, depth);
            memo.set(key, fragmentCost);
          }
          cost += fragmentCost;
        } else {
          cost += selectionCost(fragment.selectionSet, type, depth);
        }
      }
    }
    return cost;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLCompositeType, depth: number): number => {
    if (node.name.value === "__typename") return 0;
    if (depth > limits.maxQueryDepth) {
      throw limitExceeded(
        `The operation nests fields deeper than ${limits.maxQueryDepth} levels (HUBQL_MAX_QUERY_DEPTH)`,
        {
          limit: "depth",
          maximum: limits.maxQueryDepth,
        },
      );
    }
    deepest = Math.max(deepest, depth);
    const definition = fieldDefinition(schema, parent, node.name.value);
    if (!definition) return 1; // validation has already rejected unknown fields
    const args = argumentValues(node, variables);
    let own = 1;
    for (const argument of definition.args) {
      if (getNamedType(argument.type).name === FILTER_SCALAR) own += jsonSize(args[argument.name]);
    }
    const childType = getNamedType(definition.type);
    if (!node.selectionSet || !isCompositeType(childType)) return own;
    return own + itemsReturned(definition, parent, args, limits) * selectionCost(node.selectionSet, childType, depth);
  };

  const cost = selectionCost(operation.selectionSet, root, 0);
  if (cost > limits.maxQueryCost) {
    throw limitExceeded(
      `The operation's estimated cost ${Math.round(cost)} exceeds ${limits.maxQueryCost} (HUBQL_MAX_QUERY_COST); ask for smaller pages or fewer fields`,
      {
        limit: "cost",
        cost: Math.round(cost),
        maximum: limits.maxQueryCost,
      },
    );
  }
  return { depth: deepest, cost };
}

function itemsReturned(
  definition: GraphQLField<unknown, unknown>,
  parent: GraphQLCompositeType,
  args: Readonly<Record<string, unknown>>,
  limits: OperationLimits,
): number {
  const sizeArgument = definition.args.find((argument) => PAGE_SIZE_ARGUMENTS.includes(argument.name))?.name;
  if (sizeArgument) {
    const size = args[sizeArgument];
    if (typeof size === "number" && size > limits.maxPageSize) {
      throw limitExceeded(`'${sizeArgument}' may be at most ${limits.maxPageSize} (HUBQL_MAX_PAGE_SIZE)`, {
        limit: "pageSize",
        argument: sizeArgument,
        maximum: limits.maxPageSize,
      });
    }
    return typeof size === "number" && size >= 0 ? size : limits.defaultPageSize;
  }
  if (!(getNullableType(definition.type) instanceof GraphQLList)) return 1;
  const insideConnection = (isObjectType(parent) || isInterfaceType(parent)) && "pageInfo" in parent.getFields();
  return insideConnection ? 1 : UNPAGED_LIST_ESTIMATE;
}

function fieldDefinition(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (parent === schema.getQueryType() && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (parent === schema.getQueryType() && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

/** Bulk arguments (lists at the root) are bounded before the service sees them: HUBQL_MAX_BATCH_SIZE. */
function checkBatchSizes(
  field: FieldNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  maximum: number,
): void {
  for (const [argument, value] of Object.entries(argumentValues(field, variables))) {
    if (Array.isArray(value) && value.length > maximum) {
      throw limitExceeded(`'${field.name.value}(${argument})' takes at most ${maximum} values (HUBQL_MAX_BATCH_SIZE)`, {
        limit: "batchSize",
        argument,
        maximum,
      });
    }
  }
}

/** Number of values in a JSON document (objects and arrays count their members), iteratively: no deep recursion. */
export function jsonSize(value: unknown): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === undefined || item === null) continue;
    size += 1;
    // Element by element: spreading a huge array into push() would overflow the call stack.
    const members = Array.isArray(item)
      ? item
      : typeof item === "object"
        ? Object.values(item as Record<string, unknown>)
        : [];
    for (const member of members) stack.push(member);
  }
  return size;
}
