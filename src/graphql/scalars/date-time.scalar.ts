import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

import { formatInstant, parseInstant } from "../../dialect";
import { ErrorCode } from "../../errors";

/**
 * An instant as ISO-8601 text. Output is always UTC with milliseconds (`2026-11-22T10:00:00.000Z`); input takes any
 * ISO-8601 datetime, with an offset or without one (then UTC), as the filter language does.
 */
export const DateTimeScalar = new GraphQLScalarType({
  name: "DateTime",
  description: "An instant as ISO-8601 text, e.g. 2026-11-22T10:00:00.000Z (input without an offset is UTC).",
  specifiedByURL: "https://scalars.graphql.org/andimarek/date-time",
  serialize(value) {
    const date = value instanceof Date ? value : parseInstant(value);
    if (!date) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return formatInstant(date);
  },
  parseValue(value) {
    return parseOrThrow(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid("a DateTime must be an ISO-8601 string");
    return parseOrThrow(ast.value);
  },
});

function parseOrThrow(value: unknown): Date {
  const date = typeof value === "string" ? parseInstant(value) : null;
  if (!date) throw invalid(`'${String(value)}' is not an ISO-8601 datetime`);
  return date;
}

function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}
