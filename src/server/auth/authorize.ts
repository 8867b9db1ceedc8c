import { HeaderMap } from "@apollo/server";
import type { FieldNode, GraphQLField, GraphQLSchema, OperationDefinitionNode } from "graphql";

import { ErrorCode, HubqlError } from "../../errors";
import { executedArguments, type ExecutedVariables } from "../document/operation";
import { requiredRole } from "./policy";
import { mayActAs, type Principal } from "../../principal";

/**
 * Checks every root field the operation could run against the caller's role (the policy table), before anything
 * executes. Resolvers carry no decorators, so a mutation added by anyone is covered the moment it exists. The
 * escalating arguments are read from the values execution will use (`executedArguments`: variable defaults and
 * argument defaults included), never from the raw request. With `variables` null only the fields' own roles are
 * checked (the guard does that first, so a caller whose role is too low learns nothing from variable coercion).
 */
export function authorizeOperation(
  schema: GraphQLSchema,
  principal: Principal,
  operation: OperationDefinitionNode,
  fields: readonly FieldNode[],
  variables: ExecutedVariables | null,
  argumentsOf: (definition: GraphQLField<unknown, unknown>, field: FieldNode) => Record<string, unknown> = (
    definition,
    field,
  ) => (variables ? executedArguments(definition, field, variables) : {}),
): void {
  const root = schema.getRootType(operation.operation);
  for (const field of fields) {
    const name = field.name.value;
    if (principal.role === null) {
      throw new HubqlError(
        ErrorCode.UNAUTHENTICATED,
        "A valid bearer token is required (Authorization: Bearer <token>).",
        {
          http: { status: 401, headers: new HeaderMap([["www-authenticate", 'Bearer realm="hubql"']]) },
        },
      );
    }
    // __typename at the root reads nothing.
    if (name === "__typename") continue;
    const definition = root?.getFields()[name];
    const args = definition ? argumentsOf(definition, field) : {};
    const role = requiredRole(operation.operation, name, args);
    if (!mayActAs(principal, role)) {
      throw new HubqlError(
        ErrorCode.FORBIDDEN,
        `'${name}' needs the ${role} role; this token has the ${principal.role} role.`,
        {
          field: name,
          requiredRole: role,
          http: { status: 403 },
        },
      );
    }
  }
}
