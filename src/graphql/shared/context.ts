import { LOCAL_PRINCIPAL, type Principal } from "../../principal";
import type { RequestScope, Services } from "../../services";
import { Loaders } from "../loaders/loaders";

/** What every resolver gets: the services, plus per-request facts. Built per request in src/server. */
export interface RequestContext {
  /** The request's own services: their statements bounded by `scope`, when there is one. */
  readonly services: Services;
  /**
   * The request's deadline, read budget and share of connections (src/db/request-scope.ts); none for
   * subscriptions' events and in-process callers.
   */
  readonly scope: RequestScope | undefined;
  /** Correlates a request's log lines and masked errors. */
  readonly requestId: string;
  readonly loaders: Loaders;
  /** Who is asking (src/principal.ts, authenticated in src/server/auth); `local` (admin) when authentication is off, as in in-process tests. */
  readonly principal: Principal;
  /**
   * Lock ids this request may see besides an admin: those it took (checkout) or presented as an argument. Every other
   * lease's id reads as null (src/server/auth/lease-secrecy.ts).
   */
  readonly knownLockIds: Set<string>;
}

export function createRequestContext(
  services: Services,
  requestId: string,
  principal: Principal = LOCAL_PRINCIPAL,
  scope?: RequestScope,
): RequestContext {
  return new Context(scope ? services.forRequest(scope) : services, requestId, principal, scope);
}

class Context implements RequestContext {
  readonly knownLockIds = new Set<string>();
  private built: Loaders | undefined;

  constructor(
    readonly services: Services,
    readonly requestId: string,
    readonly principal: Principal,
    readonly scope: RequestScope | undefined,
  ) {}

  /**
   * Built on first use: most requests (a list, `{ __typename }`, a mutation) never load by key. A getter on the
   * prototype, not the object: Apollo copies the context's own properties for each operation, which would call an
   * own getter and build a dozen DataLoaders for every request.
   */
  get loaders(): Loaders {
    return (this.built ??= new Loaders(this.services));
  }
}
