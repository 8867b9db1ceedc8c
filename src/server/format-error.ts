import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";

import { callerRefusal, isDriverError } from "../db/driver-errors";
import { UnstorableValueError } from "../dialect";
import { badInput, ErrorCode, GRAPHQL_PROTOCOL_CODES, HubqlError, limitExceeded } from "../errors";
import type { Logger } from "../logger";

const PASS_THROUGH = new Set<string>([...Object.values(ErrorCode), ...GRAPHQL_PROTOCOL_CODES]);

/**
 * The one place errors leave the server, over GraphQL (`createErrorFormatter`, Apollo's formatError) and over plain
 * HTTP (`errorBody`, the bodies of 400/401/404/413/500 answers before or outside GraphQL), in one shape:
 * `{"errors": [{"message", "extensions": {"code", …}}]}`. Errors hubql raises on purpose keep their code and
 * extensions; GraphQL's own (parse, validation, variable coercion) pass through; everything else becomes
 * INTERNAL_SERVER_ERROR with a correlation id that also appears, with the real error, in the server log. No SQL text
 * or stack trace leaves.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const refusal = knownRefusal(formatted, original);
    if (refusal) {
      logger.warn("request refused", { code: refusal.code, limit: refusal.extensions["limit"], path: formatted.path });
      return {
        message: refusal.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { ...refusal.extensions },
      };
    }
    const code = formatted.extensions?.["code"];
    const isOurs = original instanceof HubqlError;
    const isProtocol =
      !isOurs &&
      typeof code === "string" &&
      PASS_THROUGH.has(code) &&
      code !== ErrorCode.INTERNAL_SERVER_ERROR &&
      !isDriverError(original);
    if (isOurs || isProtocol) {
      // Keep message, locations, path and our extensions; drop any stacktrace Apollo might have attached.
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      void _stack;
      return { ...formatted, extensions };
    }
    const correlationId = crypto.randomUUID();
    logger.error("unexpected error", {
      correlationId,
      path: formatted.path,
      error:
        original instanceof Error
          ? { name: original.name, message: original.message, stack: original.stack }
          : String(original),
    });
    return {
      message: `Internal server error (correlation id ${correlationId}); the server log has the details.`,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, correlationId },
    };
  };
}

/**
 * Refusals raised by others than hubql's own code, reported with the code a caller can act on: the parser's token
 * cap (HUBQL_MAX_QUERY_TOKENS) and Postgres' statement_timeout (SQLSTATE 57014) are LIMIT_EXCEEDED like every other
 * limit; text Postgres cannot store (NUL characters) is BAD_USER_INPUT, not a masked internal error.
 */
function knownRefusal(formatted: GraphQLFormattedError, original: unknown): HubqlError | null {
  if (
    formatted.extensions?.["code"] === "GRAPHQL_PARSE_FAILED" &&
    /tokens\. Parsing aborted\.$/.test(formatted.message)
  ) {
    return limitExceeded(
      "The GraphQL document has too many tokens (HUBQL_MAX_QUERY_TOKENS); pass large inputs as variables",
      {
        limit: "tokens",
      },
    );
  }
  if (
    formatted.extensions?.["code"] === "GRAPHQL_PARSE_FAILED" &&
    /Maximum call stack size exceeded/.test(formatted.message)
  ) {
    return limitExceeded("The GraphQL document nests too deeply to parse; pass deep values as variables", {
      limit: "depth",
    });
  }
  if (original instanceof UnstorableValueError) return badInput(original.message);
  if (formatted.message === "provided sha does not match query") {
    // Apollo's automatic persisted queries: a caller's hash that does not match its query (Apollo gives no code).
    return badInput("The persisted query's sha256Hash does not match the query sent with it");
  }
  if (original instanceof RangeError && /Maximum call stack size exceeded/.test(original.message)) {
    // A value or document nested deeper than any limit lets through: refused, logged as a refusal, not a crash.
    return limitExceeded("The request nests values too deeply to process", { limit: "depth" });
  }
  const refusal = callerRefusal(original);
  if (refusal === "unstorable-text") {
    return badInput("Text values may not contain NUL (\\u0000) characters on this store");
  }
  if (refusal === "value-too-long") {
    return badInput(
      "A value is too long for the field that stores it (on Postgres an indexed text holds at most about 2,700 bytes); nothing was written",
    );
  }
  if (refusal === "number-out-of-range") {
    return badInput("A number is out of the range its field stores; nothing was written");
  }
  if (refusal === "too-many-parameters") {
    return limitExceeded("The request names too many values for one statement; send fewer ids or smaller filters", {
      limit: "parameters",
    });
  }
  if (refusal === "statement-timeout") {
    return limitExceeded(
      "A database statement ran longer than HUBQL_STATEMENT_TIMEOUT_MS and was cancelled; narrow the filter or page",
      {
        limit: "statementTimeout",
      },
    );
  }
  return null;
}

/** A GraphQL-shaped body for an answer given outside GraphQL (HTTP-level refusals, unknown routes, crashes). */
export function errorBody(error: HubqlError): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message: error.message, extensions: { ...error.extensions } }] };
}
