/**
 * Who is asking. Roles are ordered: each one may do everything the ones before it may (docs/security.md).
 * `reader` queries; `operator` also ingests, changes states, checks out and claims, and manages its own locks;
 * `admin` also purges, deletes, breaks other holders' locks and imports.
 */
export const ROLES = ["reader", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** A name for logs and lock holders: the token's name, or `<role>#<hash prefix>`; `local` with auth off. */
  readonly subject: string;
  /** null: no credentials were presented (only possible while authentication is on). */
  readonly role: Role | null;
}

/** With no tokens configured the server listens on loopback only, and whoever reaches it is trusted fully. */
export const LOCAL_PRINCIPAL: Principal = { subject: "local", role: "admin" };
export const ANONYMOUS: Principal = { subject: "anonymous", role: null };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function mayActAs(principal: Principal, required: Role): boolean {
  return principal.role !== null && ROLES.indexOf(principal.role) >= ROLES.indexOf(required);
}
