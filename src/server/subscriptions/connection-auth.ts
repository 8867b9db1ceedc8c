import { LOCAL_PRINCIPAL, type Principal } from "../../principal";
import type { TokenStore } from "../auth/tokens";

/** Why a connection was refused, as its close code and (≤ 123 bytes) reason. */
export interface Refusal {
  readonly code: number;
  readonly reason: string;
}

/** graphql-ws' own codes: 4401 before a valid connection_init, 4403 for a connection it will not serve. */
export const UNAUTHORIZED = 4401;
export const FORBIDDEN = 4403;

/**
 * Who a WebSocket connection is, from its `connection_init` payload, before any subscription starts:
 * `{ "authorization": "Bearer <token>" }` (any case of the key), or the Apollo Router's passthrough form
 * `{ "token": "Bearer <token>" }`: the router copies a propagated Authorization header there (its source:
 * `json!({ "token": authorization })`; its docs show it wrapped as `{ "connectionParams": { "token" } }`, also taken).
 * With tokens configured, no credentials or a token below `reader` is refused; without tokens, everyone is the
 * local admin (loopback only, docs/security.md).
 */
export function authenticateConnection(tokens: TokenStore, payload: unknown): Principal | Refusal {
  if (!tokens.enabled) return LOCAL_PRINCIPAL;
  const header = credentials(payload);
  const result = tokens.authenticate(header);
  if (result.kind === "none") {
    return {
      code: UNAUTHORIZED,
      reason: 'Unauthorized: connection_init must carry {"authorization": "Bearer <token>"}',
    };
  }
  if (result.kind === "invalid") return { code: UNAUTHORIZED, reason: "Unauthorized: the bearer token is not valid" };
  if (result.principal.role === null)
    return { code: FORBIDDEN, reason: "Forbidden: subscriptions need a reader token" };
  return result.principal;
}

export function isRefusal(value: Principal | Refusal): value is Refusal {
  return "code" in value;
}

function credentials(payload: unknown): string | undefined {
  if (!isObject(payload)) return undefined;
  for (const [key, value] of Object.entries(payload)) {
    if (key.toLowerCase() === "authorization" && typeof value === "string") return value;
  }
  if (typeof payload["token"] === "string") return payload["token"];
  const wrapped = payload["connectionParams"];
  if (isObject(wrapped) && typeof wrapped["token"] === "string") return wrapped["token"];
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
