import {
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
} from "graphql";

import type { Limits } from "../../config";
import { limitExceeded } from "../../errors";
import { executedArguments, type ExecutedVariables } from "../document/operation";
import { AT_MOST_ARGUMENT, isConnectionList, isListField, LIST_BOUNDS, PAGE_SIZE_ARGUMENTS } from "./list-fields";

/** The scalar that carries filters (src/graphql/scalars): its size adds to the cost of the field it filters. */
const FILTER_SCALAR = "Filter";
/** Filter operators that run a pattern over every candidate row (`$regex`, `$glob`). */
const PATTERN_OPERATORS = new Set(["$regex", "$glob"]);
/**
 * What one pattern adds to its field's cost: it is matched against every row the rest of the filter leaves, in
 * process on SQLite (re2js, about 4–10 µs a row of 100 characters, 100 µs a row of 20 KB) — 100 regex counts over
 * 10,000 records blocked SQLite for 75 s before (issue 12). At the default HUBQL_MAX_QUERY_COST one request runs at
 * most 50 of them.
 */
export const PATTERN_COST = 2000;
/**
 * Items of an introspection list (`__Schema.types`, `__Type.fields` …): bounded by the schema itself, which no
 * caller can grow; GraphiQL's full introspection query stays within the default cost with it.
 */
export const INTROSPECTION_LIST_ITEMS = 10;
/** Leaf items (strings, JSON objects) a cost unit pays for: a list of 10,000 ids costs 100, not 10,000. */
export const LEAF_ITEMS_PER_COST = 100;

export type OperationLimits = Pick<
  Limits,
  "maxQueryDepth" | "maxQueryCost" | "maxPageSize" | "defaultPageSize" | "maxBatchSize" | "maxListItems"
>;

/**
 * Depth, cost, page size and batch size of one operation, judged before any resolver runs from the values execution
 * will use (`executedArguments`: literals, variables with their defaults, argument defaults, all coerced).
 *
 * Cost of a field = 1 + the size of its filters (JSON values, JSON strings parsed) + PATTERN_COST per `$regex`/`$glob`
 * + (items it returns, worst case: LIST_BOUNDS) × (cost of its selection); leaf lists pay one unit per
 * LEAF_ITEMS_PER_COST items. Named fragments are costed once per depth (memoised), so fragment fan-out cannot make
 * the estimate itself slow.
 */
export function enforceOperationLimits(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: ExecutedVariables,
  limits: OperationLimits,
): { depth: number; cost: number } {
  const root = schema.getRootType(operation.operation);
  if (!root) return { depth: 0, cost: 0 };

  let deepest = 0;
  const memo = new Map<string, number>();
  /** The arguments of the root field being costed: a mutation's report counts the records it names. */
  let rootArgs: Readonly<Record<string, unknown>> = {};
  /** Which root field is being costed (per AST node): fragment costs are memoised per root, since a report's size
   * depends on it; the same node reached through several fragment paths keeps one id, so memoisation still works. */
  let rootIndex = 0;
  const rootIds = new Map<FieldNode, number>();

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
          const key = `${selection.name.value}@${depth}#${rootIndex}`;
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
        { limit: "depth", maximum: limits.maxQueryDepth },
      );
    }
    deepest = Math.max(deepest, depth);
    const definition = fieldDefinition(schema, parent, node.name.value);
    if (!definition) return 1; // validation has already rejected unknown fields
    const args = executedArguments(definition, node, variables);
    if (parent === root) checkBatchSizes(node.name.value, definition.args, args, limits.maxBatchSize);
    const own = 1 + inputCost(definition.args, args);
    if (parent === root) {
      rootArgs = args;
      rootIndex = rootIds.get(node) ?? rootIds.size + 1;
      rootIds.set(node, rootIndex);
    }
    const items = itemsReturned(definition, parent, node.name.value, args, limits, rootArgs);
    const childType = getNamedType(definition.type);
    if (!node.selectionSet || !isCompositeType(childType)) return own + (items > 1 ? items / LEAF_ITEMS_PER_COST : 0);
    return own + items * selectionCost(node.selectionSet, childType, depth);
  };

  const cost = selectionCost(operation.selectionSet, root, 0);
  if (cost > limits.maxQueryCost) {
    throw limitExceeded(
      `The operation's estimated cost ${Math.round(cost)} exceeds ${limits.maxQueryCost} (HUBQL_MAX_QUERY_COST); ask for smaller pages, fewer fields or fewer patterns`,
      { limit: "cost", cost: Math.round(cost), maximum: limits.maxQueryCost },
    );
  }
  return { depth: deepest, cost };
}

/** The worst case of a list field: LIST_BOUNDS, with its size argument where it has one. */
function itemsReturned(
  definition: GraphQLField<unknown, unknown>,
  parent: GraphQLCompositeType,
  name: string,
  args: Readonly<Record<string, unknown>>,
  limits: OperationLimits,
  rootArgs: Readonly<Record<string, unknown>>,
): number {
  const parentFields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : {};
  const list = isListField(definition);
  if (list && isConnectionList(parentFields, name)) return 1;
  if (list && parent.name.startsWith("__")) return INTROSPECTION_LIST_ITEMS;
  const bound = LIST_BOUNDS[`${parent.name}.${name}`];
  const sizeArgument = definition.args.find((argument) => PAGE_SIZE_ARGUMENTS.includes(argument.name))?.name;
  const size = sizeArgument ? args[sizeArgument] : undefined;
  switch (bound?.kind) {
    case "argument": {
      const list = args[bound.argument];
      return Array.isArray(list) ? list.length : 1;
    }
    case "fixed":
      return bound.items;
    case "batch": {
      // One item per record the mutation names; for a filter, the list cap (the service bounds the records it
      // touches by HUBQL_MAX_BATCH_SIZE before changing any).
      const named = Object.values(rootArgs).filter(Array.isArray);
      return named.length > 0 ? Math.max(...named.map((list) => list.length)) : limits.maxListItems;
    }
    case "bytes":
      return typeof size === "number" ? checkedSize(sizeArgument, size, limits.maxListItems) : limits.maxListItems;
    case "capped": {
      const atMost = args[AT_MOST_ARGUMENT];
      return typeof atMost === "number"
        ? checkedSize(AT_MOST_ARGUMENT, atMost, limits.maxListItems)
        : limits.maxListItems;
    }
    default:
      // Pages (connections, claims), and any list not classified (a test failure): its page size, or the list cap.
      if (typeof size === "number") return checkedSize(sizeArgument, size, limits.maxPageSize);
      if (sizeArgument) return limits.defaultPageSize;
      return list ? limits.maxListItems : 1;
  }
}

function checkedSize(argument: string | undefined, size: number, maximum: number): number {
  if (size > maximum) {
    throw limitExceeded(`'${argument}' may be at most ${maximum} (HUBQL_MAX_PAGE_SIZE / HUBQL_MAX_LIST_ITEMS)`, {
      limit: "pageSize",
      argument,
      maximum,
    });
  }
  return Math.max(0, size);
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

/**
 * The cost of a field's inputs: every Filter value inside its arguments (at any depth of input objects and lists),
 * by size plus PATTERN_COST per pattern. Values of types that cannot hold a Filter are not walked (a batch of
 * 10,000 records costs nothing here; HUBQL_MAX_BATCH_SIZE bounds it).
 */
function inputCost(parameters: readonly GraphQLArgument[], args: Readonly<Record<string, unknown>>): number {
  let cost = 0;
  for (const parameter of parameters) cost += valueCost(parameter.type, args[parameter.name]);
  return cost;
}

const holdsFilter = new Map<string, boolean>();

function canHoldFilter(type: GraphQLInputType): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name === FILTER_SCALAR;
  if (!isInputObjectType(named)) return false;
  const known = holdsFilter.get(named.name);
  if (known !== undefined) return known;
  holdsFilter.set(named.name, false); // recursive input types
  const result = Object.values(named.getFields()).some((field) => canHoldFilter(field.type));
  holdsFilter.set(named.name, result);
  return result;
}

function valueCost(type: GraphQLInputType, value: unknown): number {
  if (value === null || value === undefined || !canHoldFilter(type)) return 0;
  const nullable = isNonNullType(type) ? type.ofType : type;
  if (isListType(nullable)) {
    return Array.isArray(value) ? value.reduce<number>((sum, item) => sum + valueCost(nullable.ofType, item), 0) : 0;
  }
  if (isInputObjectType(nullable)) {
    let cost = 0;
    for (const field of Object.values(nullable.getFields())) {
      cost += valueCost(field.type, (value as Record<string, unknown>)[field.name]);
    }
    return cost;
  }
  return filterCost(value);
}

/** Number of values in a filter (objects and arrays count their members) plus its patterns' cost, iteratively. */
export function filterCost(value: unknown): number {
  return walkJson(value, (key) => (PATTERN_OPERATORS.has(key) ? PATTERN_COST : 0));
}

/** Number of values in a JSON document (objects and arrays count their members), iteratively: no deep recursion. */
export function jsonSize(value: unknown): number {
  return walkJson(value, () => 0);
}

/** Counts a JSON value's values, plus `keyCost` of each member name, without recursion. */
function walkJson(value: unknown, keyCost: (key: string) => number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === undefined || item === null) continue;
    size += 1;
    if (Array.isArray(item)) {
      // Element by element: spreading a huge array into push() would overflow the call stack.
      for (const member of item) stack.push(member);
    } else if (typeof item === "object") {
      for (const [key, member] of Object.entries(item as Record<string, unknown>)) {
        size += keyCost(key);
        stack.push(member);
      }
    }
  }
  return size;
}

/** Bulk arguments (lists at the root, and lists inside their input objects) are bounded: HUBQL_MAX_BATCH_SIZE. */
function checkBatchSizes(
  field: string,
  parameters: readonly GraphQLArgument[],
  args: Readonly<Record<string, unknown>>,
  maximum: number,
): void {
  for (const parameter of parameters) {
    if (longestList(parameter.type, args[parameter.name]) > maximum) {
      throw limitExceeded(`'${field}(${parameter.name})' takes at most ${maximum} values (HUBQL_MAX_BATCH_SIZE)`, {
        limit: "batchSize",
        argument: parameter.name,
        maximum,
      });
    }
  }
}

/** The longest list in an input value, by its type (input objects walked; JSON scalars are values, not lists). */
function longestList(type: GraphQLInputType, value: unknown): number {
  if (value === null || value === undefined) return 0;
  const nullable = isNonNullType(type) ? type.ofType : type;
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return 0;
    let longest = value.length;
    if (isInputObjectType(getNamedType(nullable.ofType)) || isListType(getNullable(nullable.ofType))) {
      for (const item of value) longest = Math.max(longest, longestList(nullable.ofType, item));
    }
    return longest;
  }
  if (isInputObjectType(nullable)) {
    let longest = 0;
    for (const field of listBearingFields(nullable)) {
      longest = Math.max(longest, longestList(field.type, (value as Record<string, unknown>)[field.name]));
    }
    return longest;
  }
  return 0;
}

const listBearing = new WeakMap<GraphQLInputObjectType, readonly GraphQLInputField[]>();

/**
 * The fields of an input object whose values can hold a list (a list type, or an input object that can), once per
 * type: the others contribute nothing to `longestList`, and a batch of 1,000 records × 24 fields walked them all
 * (2 % of an ingest's CPU).
 */
function listBearingFields(type: GraphQLInputObjectType): readonly GraphQLInputField[] {
  let fields = listBearing.get(type);
  if (fields === undefined) {
    fields = Object.values(type.getFields()).filter((field) => canHoldList(field.type, new Set()));
    listBearing.set(type, fields);
  }
  return fields;
}

/** Whether a list type is reachable from `type` through input-object fields (`seen` cuts cycles). */
function canHoldList(type: GraphQLInputType, seen: Set<GraphQLInputObjectType>): boolean {
  const nullable = getNullable(type);
  if (isListType(nullable)) return true;
  if (!isInputObjectType(nullable) || seen.has(nullable)) return false;
  seen.add(nullable);
  return Object.values(nullable.getFields()).some((field) => canHoldList(field.type, seen));
}

function getNullable(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? type.ofType : type;
}
