import { defaultFieldResolver, type GraphQLSchema, isObjectType } from "graphql";

import type { RequestContext } from "../../graphql/shared/context";
import { mayActAs } from "../../principal";

/** The fields that carry a lease's id: its holder's proof of ownership (renew, release, act through the lease). */
export const LOCK_ID_FIELDS = ["Job.lockId", "Flow.lockId"] as const;

/** The argument through which a caller presents a lock id it holds. */
export const LOCK_ID_ARGUMENT = "lockId";

/**
 * Lease ids are visible only to their holder and to admins: `Job.lockId` and `Flow.lockId` read as null unless the
 * caller is an admin or the id is one this request took (`checkoutJob`) or presented (`lockId` arguments, recorded by
 * `recordPresentedLockIds`). Anyone else who could read it could renew, release or act through another's lease.
 * The lease's own result type (`Lease.lockId`, answered to whoever just took it) is not wrapped.
 */
export function protectLockIds(schema: GraphQLSchema): GraphQLSchema {
  for (const key of LOCK_ID_FIELDS) {
    const [typeName, fieldName] = key.split(".") as [string, string];
    const type = schema.getType(typeName);
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
    if (!field) continue;
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context: RequestContext, info) => {
      const value: unknown = resolve(source, args, context, info);
      if (typeof value !== "string") return value;
      return mayActAs(context.principal, "admin") || context.knownLockIds.has(value) ? value : null;
    };
  }
  return schema;
}

/** Records the lock ids a request presents as arguments of its root fields: it holds those. */
export function recordPresentedLockIds(context: RequestContext, args: Readonly<Record<string, unknown>>): void {
  const presented = args[LOCK_ID_ARGUMENT];
  if (typeof presented === "string" && presented !== "") context.knownLockIds.add(presented);
}
