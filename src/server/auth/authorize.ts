import { HeaderMap } from "@apollo/server";
import type { FieldNode, OperationDefinitionNode } from "graphql";

import { ErrorCode, HubqlError } from "../../errors";
import { argumentValues } from "../document/operation";
import { requiredRole } from "./policy";
import { mayActAs, type Principal } from "../../principal";

/**
 * Checks every root field the operation could run against the caller's role (the policy table), before anything
 * executes. Resolvers carry no decorators, so a mutation added by anyone is covered the moment it exists.
 */
export function authorizeOperation(
  principal: Principal,
  operation: OperationDefinitionNode,
  fields: readonly FieldNode[],
  variables: Readonly<Record<string, unknown>> | undefined,
): void {
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
    const role = requiredRole(operation.operation, name, argumentValues(field, variables));
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
