import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from "graphql";

import { ErrorCode } from "../../errors";

/**
 * A filter in the MongoDB query language (docs/filter.md), as a JSON object. The scalar only checks the shape
 * (an object) and rejects duplicate keys in literals, which JSON parsers would silently collapse; the filter
 * compiler validates the rest against the entity's field catalogue.
 */
export const FilterScalar = new GraphQLScalarType({
  name: "Filter",
  description:
    'A filter in the MongoDB query language as a JSON object, e.g. {"completed": null, "started": {"$gte": "2026-11-22T10:00:00Z"}}. Pass it as a variable; inline, write operators inside a JSON string (GraphQL names cannot start with "$"). See docs/filter.md.',
  specifiedByURL: "https://www.mongodb.com/docs/manual/tutorial/query-documents/",
  serialize: (value) => value,
  parseValue(value) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw invalid("a Filter must be a JSON object");
    }
    return value;
  },
  parseLiteral(ast, variables) {
    // GraphQL names cannot start with "$", so an inline filter with operators is written as a JSON string;
    // variables take the object form directly.
    if (ast.kind === Kind.STRING) return fromJsonText(ast.value);
    if (ast.kind !== Kind.OBJECT) throw invalid("a Filter must be a JSON object (or a string holding one)");
    return literal(ast, variables);
  },
});

function fromJsonText(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid("a Filter string must hold a JSON object");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw invalid("a Filter must be a JSON object");
  return value as Record<string, unknown>;
}

function literal(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.OBJECT: {
      const object: Record<string, unknown> = {};
      for (const field of ast.fields) {
        if (Object.prototype.hasOwnProperty.call(object, field.name.value)) {
          throw invalid(`the filter names '${field.name.value}' twice; combine the conditions in one object`);
        }
        object[field.name.value] = literal(field.value, variables);
      }
      return object;
    }
    case Kind.LIST:
      return ast.values.map((value) => literal(value, variables));
    case Kind.STRING:
    case Kind.ENUM:
      return ast.value;
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
  }
}

function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}
