import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

import { decodeInstant, formatInstant, INSTANT_RANGE, type Instant, parseInstant } from "../../dialect";
import { ErrorCode } from "../../errors";

/**
 * An instant as RFC 3339 text. Output is UTC with the six fraction digits hubql stores
 * (`2026-11-22T10:00:00.123456Z`), passed through as the store gave it; input takes any ISO-8601 datetime, with an
 * offset or without one (then UTC), with up to nine fraction digits (kept to the microsecond), as the filter
 * language does.
 */
export const DateTimeScalar = new GraphQLScalarType<Instant, string>({
  name: "DateTime",
  description:
    "An instant as RFC 3339 text, UTC with microseconds on output, e.g. 2026-11-22T10:00:00.123456Z (input: any ISO-8601; without an offset it is UTC).",
  specifiedByURL: "https://scalars.graphql.org/andimarek/date-time",
  serialize(value) {
    const instant = decodeInstant(value);
    if (!instant) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return formatInstant(instant);
  },
  parseValue(value) {
    return parseOrThrow(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid("a DateTime must be an ISO-8601 string");
    return parseOrThrow(ast.value);
  },
});

function parseOrThrow(value: unknown): Instant {
  const instant = typeof value === "string" ? parseInstant(value) : null;
  if (!instant) throw invalid(`'${String(value)}' is not an ISO-8601 datetime from ${INSTANT_RANGE}`);
  return instant;
}

function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}
