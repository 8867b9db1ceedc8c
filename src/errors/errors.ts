import { GraphQLError } from "graphql";

import { formatInstant, type Instant } from "../dialect";
import { ErrorCode, type GraphqlProtocolCode, type InputReason } from "./codes";

/**
 * Every error hubql raises on purpose. Services throw these (they know nothing of GraphQL transport, but a
 * `GraphQLError` is only a value with a message and extensions); `formatError` passes them through and masks
 * everything else as INTERNAL_SERVER_ERROR.
 */
export class HubqlError extends GraphQLError {
  constructor(code: ErrorCode | GraphqlProtocolCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = "HubqlError";
  }

  get code(): ErrorCode {
    return this.extensions["code"] as ErrorCode;
  }
}

/** A bad argument (not a filter): names the argument. */
export function badInput(message: string, argument?: string, extra: Record<string, unknown> = {}): HubqlError {
  return new HubqlError(ErrorCode.BAD_USER_INPUT, message, argument ? { argument, ...extra } : extra);
}

/** A bad filter: carries the path inside the filter document, e.g. `["started", "$gte"]`, and a reason if any. */
export function badFilter(message: string, filterPath: readonly (string | number)[], reason?: InputReason): HubqlError {
  return new HubqlError(ErrorCode.BAD_USER_INPUT, message, {
    filterPath: [...filterPath],
    ...(reason ? { reason } : {}),
  });
}

export function notFound(message: string, extra: Record<string, unknown> = {}): HubqlError {
  return new HubqlError(ErrorCode.NOT_FOUND, message, extra);
}

export function invalidState(message: string, extra: Record<string, unknown> = {}): HubqlError {
  return new HubqlError(ErrorCode.INVALID_STATE, message, extra);
}

export function locked(message: string, lockedBy: string | null, lockedSince: Instant | null): HubqlError {
  return new HubqlError(ErrorCode.LOCKED, message, {
    lockedBy,
    lockedSince: lockedSince ? formatInstant(lockedSince) : null,
  });
}

export function limitExceeded(message: string, extra: Record<string, unknown> = {}): HubqlError {
  return new HubqlError(ErrorCode.LIMIT_EXCEEDED, message, extra);
}

export function noData(
  message = "The store is 'none' (NoDB): it accepts writes and drops them, so there is nothing to read.",
): HubqlError {
  return new HubqlError(ErrorCode.NO_DATA, message);
}

export function unauthenticated(message = "A valid bearer token is required."): HubqlError {
  return new HubqlError(ErrorCode.UNAUTHENTICATED, message);
}

export function forbidden(message: string): HubqlError {
  return new HubqlError(ErrorCode.FORBIDDEN, message);
}

/** A request HTTP cannot even route (a malformed URL): GraphQL-over-HTTP's BAD_REQUEST. */
export function badRequest(message: string): HubqlError {
  return new HubqlError("BAD_REQUEST", message);
}

/** The masked answer to anything unexpected; the server log has the details under the same correlation id. */
export function internalError(correlationId: string, message = "Internal server error"): HubqlError {
  return new HubqlError(ErrorCode.INTERNAL_SERVER_ERROR, message, { correlationId });
}
