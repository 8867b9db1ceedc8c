import {
  buildSchema,
  getIntrospectionQuery,
  type GraphQLScalarType,
  type OperationDefinitionNode,
  parse,
} from "graphql";
import { describe, expect, it } from "vitest";

import { DEFAULT_LIMITS } from "../../src/config";
import { ErrorCode, HubqlError } from "../../src/errors";
import { FilterScalar } from "../../src/graphql/scalars";
import { enforceOperationLimits, jsonSize, PATTERN_COST } from "../../src/server/limits/operation-limits";
import { executedVariables, fragmentsOf } from "../../src/server/document/operation";

/** A schema shaped like hubql's (connections with pageInfo, a Filter scalar, unpaged lists, bulk mutations). */
const schema = buildSchema(`
  scalar Filter
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type Job { id: ID! name: String parents(atMost: Int): [Job!]! }
  type JobEdge { cursor: String! node: Job! }
  type JobConnection { edges: [JobEdge!]! pageInfo: PageInfo! totalCount: Int! }
  type Query {
    jobs(filter: Filter, first: Int, after: String): JobConnection!
    job(id: ID!): Job
  }
  type Mutation { deleteJobs(ids: [ID!]!, force: Boolean): Int! }
`);
// The real Filter scalar: a JSON string literal arrives parsed (what the cost then counts).
Object.assign(schema.getType("Filter") as GraphQLScalarType, {
  parseLiteral: FilterScalar.parseLiteral.bind(FilterScalar),
  parseValue: FilterScalar.parseValue.bind(FilterScalar),
});

const limits = {
  ...DEFAULT_LIMITS,
  maxQueryDepth: 6,
  maxQueryCost: 5_000,
  maxPageSize: 100,
  defaultPageSize: 20,
  maxBatchSize: 50,
  maxListItems: 30,
};

function check(query: string, variables?: Record<string, unknown>, overrides: Partial<typeof limits> = {}) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === "OperationDefinition") as OperationDefinitionNode;
  const fragments = fragmentsOf(document);
  return enforceOperationLimits(schema, operation, fragments, executedVariables(schema, operation, variables), {
    ...limits,
    ...overrides,
  });
}

function limitOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HubqlError);
    expect((error as HubqlError).code).toBe(ErrorCode.LIMIT_EXCEEDED);
    return (error as HubqlError).extensions["limit"];
  }
  throw new Error("expected LIMIT_EXCEEDED");
}

describe("operation limits (depth, cost, page size, batch size)", () => {
  it("costs a page by its `first`, counting edges once through the connection", () => {
    const { cost, depth } = check(`{ jobs(first: 10) { edges { node { id name } } } }`);
    // jobs 1 + 10 × (edges 1 + 1 × (node 1 + 2 fields))
    expect(cost).toBe(1 + 10 * (1 + (1 + 2)));
    expect(depth).toBe(4);
  });

  it("uses the default page size without `first`, and variables for `first`", () => {
    expect(check(`{ jobs { totalCount } }`).cost).toBe(1 + limits.defaultPageSize * 1);
    expect(check(`query($n: Int) { jobs(first: $n) { totalCount } }`, { n: 7 }).cost).toBe(1 + 7);
  });

  it("adds the filter's size to the cost", () => {
    const plain = check(`{ jobs(first: 1) { totalCount } }`).cost;
    const filtered = check(`query($f: Filter) { jobs(first: 1, filter: $f) { totalCount } }`, {
      f: { $or: [{ a: 1 }, { b: { $gt: 2 } }] },
    }).cost;
    expect(filtered - plain).toBe(jsonSize({ $or: [{ a: 1 }, { b: { $gt: 2 } }] }));
  });

  it("counts a filter given as a JSON string by its size, and each pattern by PATTERN_COST", () => {
    const plain = check(`{ jobs(first: 1) { totalCount } }`).cost;
    const inline = check(
      `{ jobs(first: 1, filter: "{\\"a\\": {\\"$regex\\": \\"x\\"}, \\"b\\": 1}") { totalCount } }`,
    ).cost;
    expect(inline - plain).toBe(jsonSize({ a: { $regex: "x" }, b: 1 }) + PATTERN_COST);
  });

  it("reads variable defaults: a defaulted page size is checked and costed like a sent one", () => {
    expect(limitOf(() => check(`query($n: Int = 1000) { jobs(first: $n) { totalCount } }`))).toBe("pageSize");
    expect(check(`query($n: Int = 7) { jobs(first: $n) { totalCount } }`).cost).toBe(1 + 7);
  });

  it("costs unpaged lists of objects at their cap (or atMost), and rejects nested fan-out above the cost limit", () => {
    expect(check(`{ job(id: "1") { parents { id } } }`).cost).toBe(1 + 1 * (1 + limits.maxListItems * 1));
    expect(check(`{ job(id: "1") { parents(atMost: 3) { id } } }`).cost).toBe(1 + 1 * (1 + 3 * 1));
    expect(limitOf(() => check(`{ job(id: "1") { parents(atMost: 31) { id } } }`))).toBe("pageSize");
    expect(limitOf(() => check(`{ jobs(first: 100) { edges { node { parents { parents { id name } } } } } }`))).toBe(
      "cost",
    );
  });

  it("rejects `first` above the maximum page size, literal or variable", () => {
    expect(limitOf(() => check(`{ jobs(first: 101) { totalCount } }`))).toBe("pageSize");
    expect(limitOf(() => check(`query($n: Int) { jobs(first: $n) { totalCount } }`, { n: 1_000_000 }))).toBe(
      "pageSize",
    );
  });

  it("rejects nesting deeper than the maximum, also through fragments", () => {
    const deep = `{ job(id: "1") { parents { parents { parents { parents { parents { id } } } } } } }`;
    expect(limitOf(() => check(deep))).toBe("depth");
    const viaFragments = `{ job(id: "1") { ...A } } fragment A on Job { parents { ...B } } fragment B on Job { parents { parents { parents { parents { id } } } } }`;
    expect(limitOf(() => check(viaFragments))).toBe("depth");
  });

  it("rejects bulk arguments longer than the batch size at the root", () => {
    const ids = Array.from({ length: 51 }, (_, i) => String(i));
    expect(limitOf(() => check(`mutation($ids: [ID!]!) { deleteJobs(ids: $ids) }`, { ids }))).toBe("batchSize");
    expect(check(`mutation($ids: [ID!]!) { deleteJobs(ids: $ids) }`, { ids: ids.slice(1) }).cost).toBe(1);
  });

  it("costs exponential fragment fan-out without walking it exponentially", () => {
    const names = Array.from({ length: 30 }, (_, i) => `F${i}`);
    const fragments = names.map(
      (name, i) =>
        `fragment ${name} on Query { ${i + 1 < names.length ? `...F${i + 1} ...F${i + 1}` : 'job(id: "1") { id }'} }`,
    );
    const started = performance.now();
    expect(limitOf(() => check(`{ ...F0 } ${fragments.join(" ")}`, undefined, { maxQueryDepth: 50 }))).toBe("cost");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("lets GraphiQL's introspection query through with the default limits", () => {
    const { cost, depth } = check(getIntrospectionQuery(), undefined, {
      maxQueryDepth: DEFAULT_LIMITS.maxQueryDepth,
      maxQueryCost: DEFAULT_LIMITS.maxQueryCost,
    });
    expect(depth).toBeLessThanOrEqual(DEFAULT_LIMITS.maxQueryDepth);
    expect(cost).toBeLessThanOrEqual(DEFAULT_LIMITS.maxQueryCost);
  });

  it("measures JSON size iteratively, even for huge arrays", () => {
    expect(jsonSize({ a: [1, 2, { b: null }] })).toBe(5);
    expect(jsonSize(new Array(500_000).fill(1))).toBe(500_001);
  });
});
