/**
 * The one list of `extensions.code` values hubql answers with. `docs/errors.md` documents each of them and
 * `test/unit/error-catalogue.test.ts` keeps the two in step: add a code here and there in the same change.
 */
export const ErrorCode = {
  /** A bad filter or argument; `extensions.filterPath` or `extensions.argument` says where. */
  BAD_USER_INPUT: "BAD_USER_INPUT",
  /** The named record does not exist. */
  NOT_FOUND: "NOT_FOUND",
  /** The operation is not allowed in the record's current state. */
  INVALID_STATE: "INVALID_STATE",
  /** Another holder has the lock; `extensions.lockedBy` and `extensions.lockedSince` say who and since when. */
  LOCKED: "LOCKED",
  /** A configured limit (page size, batch size, query depth or cost, filter size) would be exceeded. */
  LIMIT_EXCEEDED: "LIMIT_EXCEEDED",
  /** The request carries no valid credentials where they are required. */
  UNAUTHENTICATED: "UNAUTHENTICATED",
  /** The credentials are valid but their role may not do this. */
  FORBIDDEN: "FORBIDDEN",
  /** The store is `none` (IPython's NoDB): it keeps no data to read. */
  NO_DATA: "NO_DATA",
  /** Anything unexpected. Masked: the caller gets a correlation id, the server log gets the details. */
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes that come from GraphQL itself (parse and validation), passed through unchanged. */
export const GRAPHQL_PROTOCOL_CODES = [
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
] as const;

export type GraphqlProtocolCode = (typeof GRAPHQL_PROTOCOL_CODES)[number];
