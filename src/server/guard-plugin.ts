import type { ApolloServerPlugin } from "@apollo/server";

import type { Limits } from "../config";
import { HubqlError } from "../errors";
import type { RequestContext } from "../graphql/shared/context";
import { authorizeOperation } from "./auth/authorize";
import { enforceOperationLimits } from "./limits/operation-limits";
import { fragmentsOf, rootFields } from "./document/operation";

/**
 * The checks every operation passes once parsed and validated, before it runs: first who may (so an anonymous
 * caller learns nothing about limits), then how much.
 */
export function guardPlugin(limits: Limits): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, operation, document, request, contextValue }) {
          if (!operation) return; // Apollo has already answered OPERATION_RESOLUTION_FAILURE
          const fragments = fragmentsOf(document);
          const fields = rootFields(operation.selectionSet, fragments);
          authorizeOperation(contextValue.principal, operation, fields, request.variables);
          try {
            enforceOperationLimits(schema, operation, fragments, fields, request.variables, limits);
          } catch (error) {
            // Refused before execution: a client error (Apollo would otherwise answer a plugin's error with 500).
            if (error instanceof HubqlError)
              throw new HubqlError(error.code, error.message, { ...error.extensions, http: { status: 400 } });
            throw error;
          }
        },
      };
    },
  };
}
