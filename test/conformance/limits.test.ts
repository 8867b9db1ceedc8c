/**
 * The largest filters the default limits let through still run, quickly, on both databases (SQLite caps
 * expression-tree height across nested subqueries; Postgres plans nested subqueries one by one), and one step
 * further is refused before any SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DEFAULT_FILTER_LIMITS, type Dialect, MAX_JSON_NESTING, MAX_LITERAL_DEPTH } from "../../src/filter";
import { ALL_THINGS } from "./fixture";
import { openStore, type Store } from "./harness";

type Doc = Record<string, unknown>;

/** A heavy leaf: structured values in a long $in, under $not and $or. */
function heavyLeaf(): Doc {
  let deepValue: unknown = "x";
  for (let i = 0; i < MAX_LITERAL_DEPTH - 1; i++) deepValue = i % 2 ? [deepValue] : { k: deepValue };
  const values = [
    null,
    1,
    "a",
    [1, { x: [2] }],
    { a: { b: [1, 2] } },
    deepValue,
    ...Array.from({ length: 60 }, (_, i) => `v${i}`),
  ];
  return { $not: { $in: values }, $regex: "^a|b$", $size: 2, $type: ["string", "array"] };
}

/**
 * `levels` of nesting ending in a heavy leaf: paths of up to 6 components joined by $elemMatch (each component
 * and each $elemMatch is one level; the leaf's own element scan is the last), optionally with logical operators
 * around the innermost condition.
 */
function nested(levels: number, logical = 0): Doc {
  const segments: number[] = [];
  let remaining = levels - 1;
  while (remaining > 0) {
    let components = Math.min(6, remaining);
    if (remaining - components === 1) components -= 1; // an $elemMatch needs a path after it
    segments.push(components);
    remaining -= components;
    if (remaining > 0) remaining -= 1;
  }
  const paths = segments.map((n, s) =>
    Array.from({ length: n }, (_, i) => (s === 0 && i === 1 ? "0" : `k${s}${i}`)).join("."),
  );
  const qualified = (s: number): string => (s === 0 ? `doc.${paths[s] ?? ""}` : (paths[s] ?? ""));
  let filter: Doc = { [qualified(paths.length - 1)]: heavyLeaf() };
  for (let i = 0; i < logical; i++)
    filter = i % 2 ? { $or: [filter, { y: 1 }] } : { $nor: [filter, { y: { $gt: 1 } }] };
  for (let s = paths.length - 2; s >= 0; s--) filter = { [qualified(s)]: { $elemMatch: filter } };
  return filter;
}

describe.each(["sqlite", "postgres"] as const)("%s", (dialect: Dialect) => {
  let store: Store;

  beforeAll(async () => {
    store = await openStore(dialect, ALL_THINGS);
  });

  afterAll(async () => {
    await store.close();
  });

  const timed = async (filter: Doc): Promise<number> => {
    const started = Date.now();
    await store.ids(filter);
    return Date.now() - started;
  };

  it("runs the deepest paths and $elemMatch chains allowed", async () => {
    expect(await timed(nested(MAX_JSON_NESTING))).toBeLessThan(2_000);
    // Logical operators take the rest of maxDepth (two $elemMatch and the leaf's $not already count).
    expect(await timed(nested(MAX_JSON_NESTING, DEFAULT_FILTER_LIMITS.maxDepth - 3))).toBeLessThan(2_000);
    await expect(store.ids(nested(MAX_JSON_NESTING, DEFAULT_FILTER_LIMITS.maxDepth - 2))).rejects.toMatchObject({
      extensions: { code: "LIMIT_EXCEEDED", limit: "maxDepth" },
    });
    await expect(store.ids(nested(MAX_JSON_NESTING + 1))).rejects.toMatchObject({
      extensions: { code: "LIMIT_EXCEEDED", limit: "jsonNesting" },
    });
  });

  it("runs the deepest logical nesting allowed", async () => {
    let filter: Doc = { "doc.a.b": { $elemMatch: { $in: [1, 2] } } };
    for (let i = 0; i < DEFAULT_FILTER_LIMITS.maxDepth - 1; i++) {
      filter =
        i % 3 === 0
          ? { $or: [filter, { name: "x" }] }
          : i % 3 === 1
            ? { $nor: [filter] }
            : { $and: [filter, { "tags.0": 1 }] };
    }
    expect(await timed(filter)).toBeLessThan(2_000);
  });

  it("runs the widest filter allowed", async () => {
    const values = Array.from({ length: DEFAULT_FILTER_LIMITS.maxNodes - 2 }, (_, i) => (i % 2 ? `s${i}` : i));
    expect(await timed({ "results.score": { $nin: values }, "doc.a.b": 1 })).toBeLessThan(2_000);
    const many = Array.from({ length: 120 }, (_, i) => ({ [`doc.a${i % 7}.b`]: { $gt: i, $lt: "z" } }));
    expect(await timed({ $or: many })).toBeLessThan(2_000);
  });
});
