import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";

import { ErrorCode, HubqlError } from "../../errors";
import { compiledVariableValues } from "./variable-coercion";

/**
 * The root fields an operation selects, through fragment spreads and inline fragments. `@skip`/`@include` are
 * ignored on purpose: policy and limits judge what an operation could do, whatever its variables say.
 */
export function rootFields(
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): FieldNode[] {
  const fields: FieldNode[] = [];
  // Each named fragment once: its fields are the same wherever it is spread, and a hostile document may spread
  // fragments that spread others twice, 2^n times over.
  const visited = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(selectionSet);
  return fields;
}

/** Coerced variable values, defaults applied: what execution will use. */
export type ExecutedVariables = Readonly<Record<string, unknown>>;

/**
 * The operation's variables exactly as execution will see them (graphql-js `getVariableValues`: coerced, defaults
 * of `$v: T = default` applied; by code compiled per operation where they coerce, ./variable-coercion.ts). Policy
 * and cost read these, never the raw request variables: a default is a value too
 * (`mutation($f: Boolean! = true) { rerunJobs(force: $f) }` forces). A value that does not coerce is BAD_USER_INPUT,
 * as execution would answer.
 */
export function executedVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  raw: Readonly<Record<string, unknown>> | undefined,
): ExecutedVariables {
  const compiled = compiledVariableValues(schema, operation, raw ?? {});
  if (compiled) return compiled;
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], raw ?? {}, { maxErrors: 1 });
  if (result.errors) throw asBadInput(result.errors[0]);
  return result.coerced;
}

/**
 * A field's arguments as its resolver will get them (graphql-js `getArgumentValues`: literals, variables and
 * argument defaults, coerced by their types — a Filter written as a JSON string arrives parsed).
 */
export function executedArguments(
  definition: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: ExecutedVariables,
): Record<string, unknown> {
  try {
    return getArgumentValues(definition, node, variables as Record<string, unknown>);
  } catch (error) {
    throw asBadInput(error);
  }
}

/**
 * The variables as sent, with the operation's defaults filled in, uncoerced. Used only when coercion fails, so that
 * a caller whose escalating arguments (`breakLock: true`) need a higher role is told FORBIDDEN before it is told
 * its other variables are wrong.
 */
export function requestedVariables(
  operation: OperationDefinitionNode,
  raw: Readonly<Record<string, unknown>> | undefined,
): ExecutedVariables {
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) values[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  }
  return { ...values, ...raw };
}

/** A field's arguments with `requestedVariables` substituted, uncoerced (see there). */
export function requestedArguments(node: FieldNode, variables: ExecutedVariables): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const argument of node.arguments ?? []) {
    values[argument.name.value] = valueFromASTUntyped(argument.value, variables as Record<string, unknown>);
  }
  return values;
}

function asBadInput(error: unknown): HubqlError {
  if (error instanceof HubqlError) return error;
  const message = error instanceof GraphQLError || error instanceof Error ? error.message : String(error);
  return new HubqlError(ErrorCode.BAD_USER_INPUT, message, { http: { status: 400 } });
}

export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}
