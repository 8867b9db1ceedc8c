import type { ApolloServerPlugin } from "@apollo/server";
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from "graphql";

import type { Limits } from "../config";
import { HubqlError } from "../errors";
import type { RequestContext } from "../graphql/shared/context";
import type { Principal } from "../principal";
import { authorizeOperation } from "./auth/authorize";
import { enforceOperationLimits } from "./limits/operation-limits";
import { type ExecutedVariables, executedVariables, fragmentsOf, rootFields } from "./document/operation";

/**
 * The checks every operation passes once parsed and validated, before it runs: first who may (so an anonymous
 * caller learns nothing about limits), then how much. Both read the values execution will use: the coerced
 * variables with their defaults, and each field's coerced arguments with theirs. One entry point for both
 * transports: Apollo over HTTP (`guardPlugin`) and graphql-ws subscriptions (src/server/subscriptions). Returns the
 * executed variables.
 */
export function guardOperation(
  request: {
    readonly schema: GraphQLSchema;
    readonly operation: OperationDefinitionNode;
    readonly document: DocumentNode;
    readonly variables: Readonly<Record<string, unknown>> | undefined;
    readonly principal: Principal;
  },
  limits: Limits,
): ExecutedVariables {
  const { schema, operation, document, principal } = request;
  const fragments = fragmentsOf(document);
  const fields = rootFields(operation.selectionSet, fragments);
  // Anonymous first, before the variables are even coerced: nothing about them is told to a stranger.
  if (principal.role === null) authorizeOperation(schema, principal, operation, fields, {});
  const variables = executedVariables(schema, operation, request.variables);
  authorizeOperation(schema, principal, operation, fields, variables);
  enforceOperationLimits(schema, operation, fragments, variables, limits);
  return variables;
}

export function guardPlugin(limits: Limits): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, operation, document, request, contextValue }) {
          if (!operation) return; // Apollo has already answered OPERATION_RESOLUTION_FAILURE
          if (operation.operation === "subscription") {
            // Apollo would run it once as a query, with no change to resolve.
            throw new HubqlError(
              "BAD_REQUEST",
              "Subscriptions run over WebSocket (graphql-ws) on this same path, not over HTTP (docs/subscriptions.md)",
              { http: { status: 400 } },
            );
          }
          try {
            guardOperation(
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
        },
      };
    },
  };
}
