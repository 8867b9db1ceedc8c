import type { ApolloServerPlugin } from "@apollo/server";

import type { Limits } from "../config";
import type { RequestContext } from "../graphql/shared/context";
import type { CompiledResponder } from "./compiled-execution";
import { guardHttpOperation } from "./guard-plugin";
import type { Admission } from "./limits/admission";
import type { Metrics } from "./metrics";

/**
 * hubql's one Apollo plugin for each request: guards the operation once it is resolved (guard-plugin.ts), waits for
 * its turn to execute (admission, by its cost), answers it compiled where it can (compiled-execution.ts; otherwise
 * Apollo executes it with graphql-js), and when the answer goes out, gives the turn back and counts the operation
 * in /metrics. One plugin, not one per concern: Apollo awaits every hook of every plugin's listener. With metrics in
 * a plugin of their own, taking that plugin out made a `{ __typename }` request's server CPU 128 → 102 µs
 * (interleaved A/B, issue 14); here they cost a few lookups of series found once per operation (metrics.ts).
 */
export function requestPlugin(
  limits: Limits,
  admission: Admission,
  metrics: Metrics,
  compiled: CompiledResponder | null,
): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      let release: (() => void) | null = null;
      return {
        async didResolveOperation(requestContext) {
          const { operation } = requestContext;
          if (!operation) return; // Apollo has already answered OPERATION_RESOLUTION_FAILURE
          const cost = guardHttpOperation(requestContext, operation, limits);
          release = await admission.enter(cost, requestContext.contextValue.scope);
        },
        ...(compiled ? { responseForOperation: compiled } : {}),
        async willSendResponse({ operation, operationName, response }) {
          release?.();
          metrics.recordOperation(operation, operationName, response, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
