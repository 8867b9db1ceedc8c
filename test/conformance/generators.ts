/**
 * fast-check generators of filters over the THINGS catalogue: every operator, JSON paths through objects,
 * arrays, positions and missing members, typed columns with their legal operands, and nested $and/$or/$nor.
 */
import fc from "fast-check";

import { KEYS, SCALARS } from "./fixture";

type Doc = Record<string, unknown>;

const scalar = fc.constantFrom(...SCALARS);

const literal: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 2 }) },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(fc.constantFrom(...KEYS), { maxLength: 2 })
      .chain((keys) =>
        fc.tuple(...keys.map(() => scalar)).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]]))),
      ),
  },
);

const rangeOperand = fc.constantFrom(
  null,
  true,
  false,
  -1,
  0,
  1,
  1.5,
  2,
  2.5,
  10,
  "",
  "a",
  "ab",
  "b",
  "red",
  "x",
  "1",
  "10",
);

export const JSON_PATHS = [
  "doc",
  "doc.a",
  "doc.b",
  "doc.c",
  "doc.a.b",
  "doc.a.0",
  "doc.a.1",
  "doc.a.b.c",
  "doc.a.0.b",
  "doc.0",
  "doc.0.a",
  "doc.c.d",
  "doc.a.score",
  "tags",
  "tags.0",
  "tags.1",
  "tags.color",
  "results",
  "results.product",
  "results.score",
  "results.0",
  "results.0.score",
  "results.score.0",
  "result_list.product",
] as const;

const REGEXES = ["^a", "b$", "a|b", "^[ab]+$", "e", "^$", "^.$", "B", "^(ab)?c", "\\d", "x{1,2}", "[^a-c]"];
const GLOBS = ["a*", "?", "[ab]*", "*e*", "[!a]*", "*", "", "?b*", "[a-c]"];
const TYPES = ["string", "number", "bool", "object", "array", "null", "date"];

/** Operator expressions valid on any JSON value. */
function jsonOperators(depth: number): fc.Arbitrary<Doc> {
  const single: fc.Arbitrary<Doc>[] = [
    literal.map((v) => ({ $eq: v })),
    literal.map((v) => ({ $ne: v })),
    fc.tuple(fc.constantFrom("$gt", "$gte", "$lt", "$lte", "$ge", "$le"), rangeOperand).map(([op, v]) => ({ [op]: v })),
    fc.array(literal, { maxLength: 3 }).map((v) => ({ $in: v })),
    fc.array(literal, { maxLength: 3 }).map((v) => ({ $nin: v })),
    fc.boolean().map((v) => ({ $exists: v })),
    fc
      .tuple(fc.constantFrom(...REGEXES), fc.constantFrom("", "i", "m", "s", "im"))
      .map(([p, o]) => (o === "" ? { $regex: p } : { $regex: p, $options: o })),
    fc.constantFrom(...GLOBS).map((g) => ({ $glob: g })),
    fc.array(literal, { minLength: 0, maxLength: 2 }).map((v) => ({ $all: v })),
    fc.integer({ min: 0, max: 3 }).map((n) => ({ $size: n })),
    fc.oneof(fc.constantFrom(...TYPES), fc.subarray(TYPES, { minLength: 1, maxLength: 2 })).map((t) => ({ $type: t })),
    fc.constantFrom([2, 0], [2, 1], [3, -1], [-3, 1], [5, 0]).map((m) => ({ $mod: m })),
  ];
  if (depth > 0) {
    single.push(
      jsonOperators(depth - 1).map((inner) => ({ $not: inner })),
      elemMatch(depth - 1).map((inner) => ({ $elemMatch: inner })),
    );
  }
  return fc.oneof(...single);
}

function elemMatch(depth: number): fc.Arbitrary<Doc> {
  const relative = fc.constantFrom("product", "score", "a", "b", "a.b", "0", "color");
  const documentForm = fc
    .array(fc.tuple(relative, fc.oneof(literal, jsonOperators(0))), { minLength: 1, maxLength: 2 })
    .map((entries) => Object.fromEntries(entries));
  const valueForm = fc
    .array(jsonOperators(depth), { minLength: 1, maxLength: 2 })
    .map((ops) => Object.assign({}, ...ops) as Doc);
  return fc.oneof(valueForm, documentForm);
}

const ISO = fc.constantFrom(
  "2026-11-22T10:00:00Z",
  "2026-11-22T12:00:00+02:00",
  "2026-11-22T09:59:59.999Z",
  "2026-11-22",
  "2026-11-23T00:00:00.123",
  "2026-11-21T06:00:00-05:00",
  "2025-06-01T00:00:00Z",
);

/** Typed columns with their legal operands. */
const typedCondition: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(
    fc.constantFrom("name", "task_name"),
    typedOperators(fc.constantFrom("alpha", "beta", "Alpha", "", "ab", "10", "red", "gamma", "x*y")),
  ),
  fc.tuple(fc.constantFrom("score", "score_value"), typedOperators(fc.constantFrom(-1, 0, 0.25, 1, 1.5, 2, 3, 10))),
  fc.tuple(fc.constant("retries"), typedOperators(fc.constantFrom(-3, -4, 0, 1, 1.5, 2, 3, 5))),
  fc.tuple(fc.constantFrom("isActive", "is_active"), typedOperators(fc.boolean())),
  fc.tuple(fc.constantFrom("submittedAt", "submitted_at"), typedOperators(ISO)),
  fc.tuple(fc.constant("state"), typedOperators(fc.constantFrom("QUEUED", "RUNNING", "COMPLETED", "FAILED"))),
);

function typedOperators(operand: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const valueOrNull = fc.oneof({ weight: 5, arbitrary: operand }, { weight: 1, arbitrary: fc.constant(null) });
  const one: fc.Arbitrary<Doc> = fc.oneof(
    valueOrNull.map((v) => ({ $eq: v })),
    valueOrNull.map((v) => ({ $ne: v })),
    fc.tuple(fc.constantFrom("$gt", "$gte", "$lt", "$lte", "$ge", "$le"), valueOrNull).map(([op, v]) => ({ [op]: v })),
    fc.array(valueOrNull, { maxLength: 3 }).map((v) => ({ $in: v })),
    fc.array(valueOrNull, { maxLength: 3 }).map((v) => ({ $nin: v })),
    fc.boolean().map((v) => ({ $exists: v })),
    fc.constantFrom(...TYPES).map((t) => ({ $type: t })),
  );
  return fc.oneof(
    valueOrNull,
    one,
    fc.tuple(one, one).map(([a, b]) => ({ ...a, ...b })),
    one.map((inner) => ({ $not: inner })),
  );
}

/** Paths most records have, drawn more often so fewer filters match nothing. */
const COMMON_PATHS = ["doc.a", "doc.b", "tags", "results.product", "results.score"] as const;

const jsonCondition: fc.Arbitrary<[string, unknown]> = fc.tuple(
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...JSON_PATHS) },
    { weight: 1, arbitrary: fc.constantFrom(...COMMON_PATHS) },
  ),
  fc.oneof(
    { weight: 3, arbitrary: literal },
    { weight: 6, arbitrary: jsonOperators(2) },
    {
      weight: 1,
      arbitrary: fc.tuple(jsonOperators(0), jsonOperators(0)).map(([a, b]) => ({ ...a, ...b })),
    },
  ),
);

const fieldCondition = fc.oneof({ weight: 3, arbitrary: jsonCondition }, { weight: 1, arbitrary: typedCondition });

/** Whole filters: field conditions, several per document, and $and/$or/$nor up to three levels. */
export const filterArbitrary: fc.Arbitrary<Doc> = fc.letrec<{ filter: Doc }>((tie) => ({
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    {
      weight: 5,
      arbitrary: fc.array(fieldCondition, { minLength: 1, maxLength: 2 }).map((e) => Object.fromEntries(e)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom("$and", "$or", "$nor"), fc.array(tie("filter"), { minLength: 1, maxLength: 3 }))
        .map(([op, children]) => ({ [op]: children })),
    },
  ),
})).filter;

// ------------------------------------------------------------------------------------------------------------
// The mingo-comparable subset (MINGO_SAFE records in fixture.ts; MINGO_DEVIATIONS in conformance.test.ts says
// why each exclusion exists): no numeric path components, no $type/$mod/$all on JSON, no null range operands,
// document literals with keys in stored order, and array operators ($size, $elemMatch, array literals) only on
// paths that do not cross an array on the way (mingo turns the values gathered through an array of documents
// into one array value).

const safeObjectLiteral = fc
  .tuple(scalar, scalar)
  .chain(([b, c]) => fc.constantFrom({ b, c }, { b }, { d: b }, { product: b, score: c }));
const safeLiteral: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 2 }) },
  { weight: 1, arbitrary: safeObjectLiteral },
);
const safeRangeOperand = rangeOperand.filter((v) => v !== null);

/** Operators on a path that crosses no array: everything but $type, $mod, $all. */
function safeDirectOperators(depth: number, literals: fc.Arbitrary<unknown>): fc.Arbitrary<Doc> {
  const single: fc.Arbitrary<Doc>[] = [
    literals.map((v) => ({ $eq: v })),
    literals.map((v) => ({ $ne: v })),
    fc
      .tuple(fc.constantFrom("$gt", "$gte", "$lt", "$lte", "$ge", "$le"), safeRangeOperand)
      .map(([op, v]) => ({ [op]: v })),
    // mingo never finds an empty array through $in: [[]] (the manual: the whole array is compared too).
    fc
      .array(
        literals.filter((v) => !(Array.isArray(v) && v.length === 0)),
        { maxLength: 3 },
      )
      .map((v) => ({ $in: v })),
    fc
      .array(
        literals.filter((v) => !(Array.isArray(v) && v.length === 0)),
        { maxLength: 3 },
      )
      .map((v) => ({ $nin: v })),
    fc.boolean().map((v) => ({ $exists: v })),
    fc
      .tuple(fc.constantFrom(...REGEXES), fc.constantFrom("", "i", "m", "s"))
      .map(([p, o]) => (o === "" ? { $regex: p } : { $regex: p, $options: o })),
    fc.constantFrom(...GLOBS).map((g) => ({ $glob: g })),
  ];
  if (literals !== scalar) single.push(fc.integer({ min: 0, max: 3 }).map((n) => ({ $size: n })));
  if (depth > 0) {
    const inner = safeDirectOperators(depth - 1, literals);
    single.push(inner.map((op) => ({ $not: op })));
    if (literals !== scalar) {
      single.push(
        fc
          .array(safeDirectOperators(depth - 1, scalar), { minLength: 1, maxLength: 2 })
          .map((ops) => ({ $elemMatch: Object.assign({}, ...ops) as Doc })),
      );
    }
  }
  return fc.oneof(...single);
}

const safeJsonCondition: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(
    fc.constantFrom("doc", "doc.a", "doc.b", "doc.c", "doc.c.d", "tags", "results"),
    fc.oneof({ weight: 1, arbitrary: safeLiteral }, { weight: 3, arbitrary: safeDirectOperators(2, safeLiteral) }),
  ),
  // Paths through arrays of documents: scalar operators only.
  fc.tuple(
    fc.constantFrom("doc.a.b", "doc.a.c", "results.product", "results.score"),
    fc.oneof({ weight: 1, arbitrary: scalar }, { weight: 3, arbitrary: safeDirectOperators(1, scalar) }),
  ),
  // Document-form $elemMatch over arrays whose elements are all documents.
  fc.tuple(
    fc.constant("results"),
    fc
      .array(fc.tuple(fc.constantFrom("product", "score"), fc.oneof(scalar, safeDirectOperators(0, scalar))), {
        minLength: 1,
        maxLength: 2,
      })
      .map((entries) => ({ $elemMatch: Object.fromEntries(entries) })),
  ),
);

function safeTypedOperators(operand: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const valueOrNull = fc.oneof({ weight: 5, arbitrary: operand }, { weight: 1, arbitrary: fc.constant(null) });
  const one: fc.Arbitrary<Doc> = fc.oneof(
    valueOrNull.map((v) => ({ $eq: v })),
    valueOrNull.map((v) => ({ $ne: v })),
    fc.tuple(fc.constantFrom("$gt", "$gte", "$lt", "$lte", "$ge", "$le"), operand).map(([op, v]) => ({ [op]: v })),
    fc.array(valueOrNull, { maxLength: 3 }).map((v) => ({ $in: v })),
    fc.array(valueOrNull, { maxLength: 3 }).map((v) => ({ $nin: v })),
    fc.boolean().map((v) => ({ $exists: v })),
    fc.constantFrom(...TYPES).map((t) => ({ $type: t })),
  );
  return fc.oneof(
    valueOrNull,
    one,
    fc.tuple(one, one).map(([a, b]) => ({ ...a, ...b })),
    one.map((inner) => ({ $not: inner })),
  );
}

const safeTypedCondition: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(
    fc.constantFrom("name", "task_name"),
    safeTypedOperators(fc.constantFrom("alpha", "beta", "Alpha", "", "ab", "10", "red", "gamma", "x*y")),
  ),
  fc.tuple(fc.constantFrom("score", "score_value"), safeTypedOperators(fc.constantFrom(-1, 0, 0.25, 1, 1.5, 2, 3, 10))),
  fc.tuple(fc.constant("retries"), safeTypedOperators(fc.constantFrom(-3, -4, 0, 1, 1.5, 2, 3, 5))),
  fc.tuple(fc.constantFrom("isActive", "is_active"), safeTypedOperators(fc.boolean())),
  fc.tuple(fc.constantFrom("submittedAt", "submitted_at"), safeTypedOperators(ISO)),
  fc.tuple(fc.constant("state"), safeTypedOperators(fc.constantFrom("QUEUED", "RUNNING", "COMPLETED", "FAILED"))),
);

const safeFieldCondition = fc.oneof(
  { weight: 3, arbitrary: safeJsonCondition },
  { weight: 2, arbitrary: safeTypedCondition },
);

export const mingoSafeFilterArbitrary: fc.Arbitrary<Doc> = fc.letrec<{ filter: Doc }>((tie) => ({
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    {
      weight: 5,
      arbitrary: fc.array(safeFieldCondition, { minLength: 1, maxLength: 2 }).map((e) => Object.fromEntries(e)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom("$and", "$or", "$nor"), fc.array(tie("filter"), { minLength: 1, maxLength: 3 }))
        .map(([op, children]) => ({ [op]: children })),
    },
  ),
})).filter;
