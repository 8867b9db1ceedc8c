/**
 * Compiled variable coercion (src/server/document/variable-coercion.ts) against graphql-js `getVariableValues`, the
 * reference: over generated values of every input type of hubql's schema (bare, `!`, lists of both, lists of
 * lists), valid and not, the compiled form must give up exactly where graphql-js refuses, and elsewhere give the
 * same values: same keys in the same order, same prototypes.
 */
import {
  getVariableValues,
  type GraphQLEnumType,
  type GraphQLInputType,
  type GraphQLNamedType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  isEnumType,
  isInputObjectType,
  isInputType,
  isListType,
  isNonNullType,
  isScalarType,
  type OperationDefinitionNode,
  parse,
  typeFromAST,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";

import { buildHubqlSchema } from "../../src/graphql/schema";
import { compiledVariableValues } from "../../src/server/document/variable-coercion";
import { prng } from "../support/prng";

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildHubqlSchema();
});

/** Values a scalar may be sent, right and wrong: parseValue decides which. */
const SCALAR_VALUES: Record<string, unknown[]> = {
  Int: [0, -5, 2147483647, 2147483648, 1.5, "3", true],
  Float: [1.5, 3, -0.25, "1.5", false],
  String: ["abc", "", "ünï", 5, true],
  Boolean: [true, false, 0, "true"],
  ID: ["x1", 7, 7.5, true],
  DateTime: [
    "2026-06-01T00:00:00Z",
    "2026-06-01T00:00:00.123456Z",
    "2026-06-01T02:00:00+02:00",
    "yesterday",
    1_780_000_000_000,
    "2026-13-01T00:00:00Z",
  ],
  Filter: [{ state: "READY" }, { $or: [{ a: 1 }, { b: { $gt: 2 } }] }, '{"a": 1}', { $where: "x" }, "{", 5, []],
};
const ANY_VALUES: unknown[] = ["text", 42, 1.5, true, { a: [1, "b", null] }, [1, 2], {}, { "": 1 }];

class Generator {
  constructor(private readonly next: () => number) {}

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A value for `type`, right most of the time; `depth` bounds input objects that refer to themselves. */
  value(type: GraphQLInputType, depth = 0): unknown {
    if (isNonNullType(type)) return this.chance(0.05) ? null : this.value(type.ofType, depth);
    if (this.chance(0.05)) return null;
    if (isListType(type)) {
      if (this.chance(0.15)) return this.value(type.ofType, depth); // a single value: a list of one
      return Array.from({ length: Math.floor(this.next() * 4) }, () => this.value(type.ofType, depth + 1));
    }
    if (isEnumType(type)) return this.enumValue(type);
    if (isInputObjectType(type)) return this.object(type, depth);
    if (isScalarType(type)) return this.pick(SCALAR_VALUES[type.name] ?? ANY_VALUES);
    throw new Error(`unexpected type ${String(type)}`);
  }

  private enumValue(type: GraphQLEnumType): unknown {
    if (this.chance(0.05)) return this.pick(["NOT_A_VALUE", 1, true]);
    return this.pick(type.getValues()).name;
  }

  private object(type: GraphQLInputObjectType, depth: number): unknown {
    if (this.chance(0.04)) return this.pick(["{}", 5, [], [{}]]);
    const object: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      const required = isNonNullType(field.type) && field.defaultValue === undefined;
      // Optional fields often left out (defaults apply); required ones nearly always sent.
      if (depth > 3 ? !required : this.chance(required ? 0.97 : 0.6))
        object[field.name] = this.value(field.type, depth + 1);
    }
    if (this.chance(0.04)) object[this.pick(["unknownField", "__proto__x", "msgid"])] = 1;
    return object;
  }
}

/** A value's shape, prototypes included: toEqual alone would not tell `{}` from a null-prototype object. */
function shape(value: unknown): unknown {
  if (value === null || typeof value !== "object") return { [typeof value]: value };
  const prototype = Object.getPrototypeOf(value) as object | null;
  const kind = prototype === null ? "null-prototype" : ((prototype.constructor as { name?: string }).name ?? "?");
  if (Array.isArray(value)) return { [kind]: value.map(shape) };
  if (kind !== "Object" && kind !== "null-prototype") return { [kind]: String(value) };
  return { [kind]: Object.entries(value).map(([key, item]) => [key, shape(item)]) };
}

function operation(source: string): OperationDefinitionNode {
  return parse(source).definitions[0] as OperationDefinitionNode;
}

function compare(op: OperationDefinitionNode, inputs: Record<string, unknown>): "accepted" | "refused" {
  const reference = getVariableValues(schema, op.variableDefinitions ?? [], inputs, { maxErrors: 1 });
  const compiled = compiledVariableValues(schema, op, inputs);
  if (reference.errors) {
    expect(compiled, `graphql-js refused (${reference.errors[0]?.message}) but the compiled form accepted`).toBeNull();
    return "refused";
  }
  expect(compiled, `graphql-js accepted ${JSON.stringify(inputs)} but the compiled form gave up`).not.toBeNull();
  expect(shape(compiled)).toEqual(shape(reference.coerced));
  return "accepted";
}

function inputTypes(): GraphQLNamedType[] {
  return Object.values(schema.getTypeMap()).filter((type) => isInputType(type) && !type.name.startsWith("__"));
}

describe("compiled variable coercion against graphql-js", () => {
  it("agrees on generated values of every input type, bare, non-null and in lists", () => {
    const generate = new Generator(prng(20261202));
    const counts = { accepted: 0, refused: 0 };
    const wrappers = ["T", "T!", "[T]", "[T!]!", "[[T]!]"];
    for (const type of inputTypes()) {
      for (const wrapper of wrappers) {
        const op = operation(`query Q($v: ${wrapper.replace("T", type.name)}) { __typename }`);
        const variableType = getVariableType(op);
        for (let i = 0; i < 40; i++) {
          const inputs = generate.chance(0.03) ? {} : { v: generate.value(variableType) };
          counts[compare(op, inputs)]++;
        }
      }
    }
    // Both outcomes well exercised: the comparison is not vacuous either way.
    expect(counts.accepted).toBeGreaterThan(1000);
    expect(counts.refused).toBeGreaterThan(300);
  });

  it("applies the operation's defaults as graphql-js does, fresh each time", () => {
    const op = operation(
      `query Q($first: Int = 10, $order: [TaskRecordOrder!] = [{ field: MSG_ID }], $need: Boolean! = false, $f: Filter = { state: "READY" }) { __typename }`,
    );
    for (const inputs of [
      {},
      { first: 3 },
      { need: true, order: null },
      { first: null },
      { f: null },
      { need: null },
    ]) {
      compare(op, inputs);
    }
    const first = compiledVariableValues(schema, op, {});
    const second = compiledVariableValues(schema, op, {});
    expect(first?.["order"]).toEqual(second?.["order"]);
    expect(first?.["order"]).not.toBe(second?.["order"]);
  });

  it("refuses what graphql-js refuses: missing, null and unknown", () => {
    const op = operation(`mutation M($r: [TaskRecordInput!]!) { __typename }`);
    expect(compare(op, {})).toBe("refused");
    expect(compare(op, { r: null })).toBe("refused");
    expect(compare(op, { r: [null] })).toBe("refused");
    expect(compare(op, { r: [{ msgId: "a", header: {}, unknown: 1 }] })).toBe("refused");
    expect(compare(op, { r: { msgId: "a", header: {} } })).toBe(compare(op, { r: [{ msgId: "a", header: {} }] }));
  });
});

describe("compiled variable coercion on a schema of its own", () => {
  it("refuses a scalar's undefined, as graphql-js does, and follows input objects that refer to themselves", () => {
    const Maybe = new GraphQLScalarType({
      name: "Maybe",
      parseValue: (value) => (value === "nothing" ? undefined : value),
    });
    const Tree: GraphQLInputObjectType = new GraphQLInputObjectType({
      name: "Tree",
      fields: () => ({ label: { type: Maybe }, children: { type: new GraphQLList(new GraphQLNonNull(Tree)) } }),
    });
    const own = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: "Query",
        fields: { tree: { type: GraphQLString, args: { t: { type: Tree } } } },
      }),
    });
    const op = operation(`query Q($t: Tree, $m: Maybe) { __typename }`);
    const both = (inputs: Record<string, unknown>) => {
      const reference = getVariableValues(own, op.variableDefinitions ?? [], inputs, { maxErrors: 1 });
      const compiled = compiledVariableValues(own, op, inputs);
      return [reference.errors ? null : shape(reference.coerced), compiled && shape(compiled)];
    };
    const cases = [
      { m: "nothing" },
      { m: "something" },
      { t: { label: "a", children: [{ label: "b", children: [{ label: "nothing" }] }] } },
      { t: { label: "a", children: [{ label: "b", children: { label: "c" } }] } },
      { t: { children: [null] } },
    ];
    const outcomes = cases.map((inputs) => {
      const [reference, compiled] = both(inputs);
      expect(compiled).toEqual(reference);
      return reference === null ? "refused" : "accepted";
    });
    expect(outcomes).toEqual(["refused", "accepted", "refused", "accepted", "refused"]);
  });
});

function getVariableType(op: OperationDefinitionNode): GraphQLInputType {
  const definition = op.variableDefinitions?.[0];
  const type = definition && typeFromAST(schema, definition.type);
  if (!type || !isInputType(type)) throw new Error("no input variable");
  return type;
}
