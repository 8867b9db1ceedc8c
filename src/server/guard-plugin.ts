import type { GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import type { DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode } from "graphql";

import type { Limits } from "../config";
import { LruMap, plainJsonKey } from "../dialect";
import { HubqlError } from "../errors";
import type { RequestContext } from "../graphql/shared/context";
import type { Principal } from "../principal";
import { authorizeOperation } from "./auth/authorize";
import { recordPresentedLockIds } from "./auth/lease-secrecy";
import { enforceOperationLimits } from "./limits/operation-limits";
import {
  executedArguments,
  type ExecutedVariables,
  executedVariables,
  fragmentsOf,
  requestedArguments,
  requestedVariables,
  rootFields,
} from "./document/operation";

/** What a guarded operation will run with: its root fields and its executed variables. */
export interface GuardedOperation {
  readonly fields: readonly FieldNode[];
  readonly variables: ExecutedVariables;
  /** Its estimated cost (src/server/limits/operation-limits.ts). */
  readonly cost: number;
}

/**
 * The checks every operation passes once parsed and validated, before it runs: first who may (so an anonymous
 * caller learns nothing about limits), then how much. Both read the values execution will use: the coerced
 * variables with their defaults, and each field's coerced arguments with theirs. One entry point for both
 * transports: Apollo over HTTP (`guardHttpOperation`, from request-plugin.ts) and graphql-ws subscriptions
 * (src/server/subscriptions).
 */
export function guardOperation(request: GuardRequest, limits: Limits): GuardedOperation {
  const { operation, principal } = request;
  // Without variables, nothing but the caller's role can change the verdict: the document is Apollo's cached one.
  if (!operation.variableDefinitions?.length) {
    let byRole = passedWithoutVariables.get(operation);
    if (!byRole) passedWithoutVariables.set(operation, (byRole = new Map()));
    let guarded = byRole.get(principal.role);
    if (!guarded) byRole.set(principal.role, (guarded = guard(request, limits)));
    return guarded;
  }
  // With variables, the verdict also depends on their values: kept by their JSON text, when it is plain and short.
  const sent = plainJsonKey(request.variables ?? {}, MAX_VARIABLES_KEY);
  if (sent === null) return guard(request, limits);
  let passes = passedWithVariables.get(operation);
  if (!passes) passedWithVariables.set(operation, (passes = new LruMap(PASSES_PER_OPERATION)));
  const key = `${principal.role} ${sent}`;
  const passed = passes.get(key);
  if (!passed) {
    const guarded = guard(request, limits);
    passes.set(key, { fields: guarded.fields, cost: guarded.cost });
    return guarded;
  }
  // Coerced again for this request: resolvers get arguments of their own, never another request's objects.
  return { ...passed, variables: executedVariables(request.schema, operation, request.variables) };
}

interface GuardRequest {
  readonly schema: GraphQLSchema;
  readonly operation: OperationDefinitionNode;
  readonly document: DocumentNode;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
  readonly principal: Principal;
}

/**
 * Verdicts on operations without variables, by role: only passes are kept (a refusal is judged again each time).
 * Weak, like Apollo's document cache that keeps the nodes. Not judging `{ __typename }` again took its server CPU
 * from 128 to 103 µs per request (interleaved A/B, issue 14).
 */
const passedWithoutVariables = new WeakMap<OperationDefinitionNode, Map<Principal["role"], GuardedOperation>>();

/**
 * Passes of operations with variables, by role and the variables' JSON text; the PASSES_PER_OPERATION most recently
 * used per operation (a dashboard polling with a moving time window would otherwise keep one per poll). Judging the
 * bench's list (a Filter variable) again walked its selection, coerced every field's arguments and authorized it
 * twice: about 40 µs of its main thread per request in a CPU profile (which overstates small costs).
 */
const passedWithVariables = new WeakMap<OperationDefinitionNode, LruMap<string, Omit<GuardedOperation, "variables">>>();
const PASSES_PER_OPERATION = 64;
/** Longest variables kept, in characters of their JSON text (a bulk mutation's records are judged every time). */
const MAX_VARIABLES_KEY = 4096;

function guard(request: GuardRequest, limits: Limits): GuardedOperation {
  const { schema, operation, document, principal } = request;
  const fragments = fragmentsOf(document);
  const fields = rootFields(operation.selectionSet, fragments);
  // The fields' own roles first, before the variables are even coerced: a caller who may not run the operation
  // learns nothing about its variables. Then escalations, from the coerced values.
  authorizeOperation(schema, principal, operation, fields, null);
  let variables: ExecutedVariables;
  try {
    variables = executedVariables(schema, operation, request.variables);
  } catch (error) {
    // Nothing will run; still, an escalation sent by a caller too low for it is FORBIDDEN first.
    const sent = requestedVariables(operation, request.variables);
    authorizeOperation(schema, principal, operation, fields, sent, (_definition, field) =>
      requestedArguments(field, sent),
    );
    throw error;
  }
  authorizeOperation(schema, principal, operation, fields, variables);
  const { cost } = enforceOperationLimits(schema, operation, fragments, variables, limits);
  return { fields, variables, cost };
}

/** The executed variables of each guarded operation, by its request context (read by compiled-execution.ts). */
const guardedVariables = new WeakMap<object, ExecutedVariables>();

/**
 * The variables the guard coerced (graphql-js's values, src/server/document/variable-coercion.ts), with every default
 * applied (of the operation's variables and of input fields): what the compiled executor runs with, so that both
 * executors see the same values. Undefined for an operation the guard has not passed.
 */
export function executedVariablesOf(context: object): ExecutedVariables | undefined {
  return guardedVariables.get(context);
}

/**
 * Guards one HTTP operation (above) when Apollo has resolved it, and returns its cost (for admission). A refusal is
 * thrown as a client error; Apollo answers it without running anything.
 */
export function guardHttpOperation(
  { schema, document, request, contextValue }: GraphQLRequestContextDidResolveOperation<RequestContext>,
  operation: OperationDefinitionNode,
  limits: Limits,
): number {
  if (operation.operation === "subscription") {
    // Apollo would run it once as a query, with no change to resolve.
    throw new HubqlError(
      "BAD_REQUEST",
      "Subscriptions run over WebSocket (graphql-ws) on this same path, not over HTTP (docs/subscriptions.md)",
      { http: { status: 400 } },
    );
  }
  let guarded: GuardedOperation;
  try {
    guarded = guardOperation(
      { schema, operation, document, variables: request.variables, principal: contextValue.principal },
      limits,
    );
  } catch (error) {
    // Refused before execution: a client error (Apollo would otherwise answer a plugin's error with 500).
    // Authorization errors carry their own status (401/403) already.
    if (error instanceof HubqlError && !(error.extensions["http"] as object | undefined))
      throw new HubqlError(error.code, error.message, { ...error.extensions, http: { status: 400 } });
    throw error;
  }
  // Lock ids the caller presents are its own to see in the answer (src/server/auth/lease-secrecy.ts).
  const root = schema.getRootType(operation.operation);
  for (const field of guarded.fields) {
    const definition = root?.getFields()[field.name.value];
    if (definition) recordPresentedLockIds(contextValue, executedArguments(definition, field, guarded.variables));
  }
  guardedVariables.set(contextValue, guarded.variables);
  return guarded.cost;
}
