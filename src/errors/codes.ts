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

/**
 * `extensions.reason` on BAD_USER_INPUT errors whose kind programs branch on (docs/errors.md): a stable name, so
 * no client has to match message text (which may improve). An IPython Hub backend maps them to the exceptions the
 * Hub's own stores raise (`KeyError`).
 */
export const InputReason = {
  /** A filter names a field the record type does not have (`extensions.filterPath` points at it). */
  UNKNOWN_FIELD: "UNKNOWN_FIELD",
  /** A filter uses an operator the filter language does not have. */
  UNKNOWN_OPERATOR: "UNKNOWN_OPERATOR",
  /** `dbQuery(keys:)` names a key that is not a TaskRecord key. */
  UNKNOWN_KEY: "UNKNOWN_KEY",
  /** An added record's id is already stored (or repeated in the batch); `extensions.msgIds` names stored ones. */
  DUPLICATE_ID: "DUPLICATE_ID",
} as const;

export type InputReason = (typeof InputReason)[keyof typeof InputReason];

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
