/**
 * Prepared filters are kept by their exact JSON text (`prepareFilter`, src/filter/index.ts): the same filter is not parsed
 * again, a different one never takes another's place, and what is not plain JSON is never kept.
 */
import { describe, expect, it } from "vitest";

import { LruMap, plainJsonKey } from "../../../src/dialect";
import { type FieldCatalogue, MAX_FILTER_KEY, prepareFilter } from "../../../src/filter";

const filterKey = (filter: unknown) => plainJsonKey(filter, MAX_FILTER_KEY);
import { TASKS } from "./support";

/** A catalogue of its own, so that no other test's filters share its cache. */
const fresh = (): FieldCatalogue => ({ ...TASKS, fields: [...TASKS.fields] });

const sqlOf = (filter: unknown, catalogue: FieldCatalogue, dialect: "sqlite" | "postgres" = "sqlite") => {
  const values: unknown[] = [];
  const sql = prepareFilter(filter, catalogue, { dialect }).toSql((value) => {
    values.push(value);
    return `:p${values.length - 1}`;
  }, "t");
  return { sql, values };
};

describe("plainJsonKey (the key of a kept filter)", () => {
  it("names plain JSON exactly: a string and a number, or two key orders, are different filters", () => {
    expect(filterKey({ queue: "1" })).not.toBe(filterKey({ queue: 1 }));
    expect(filterKey({ a: 1, b: 2 })).not.toBe(filterKey({ b: 2, a: 1 }));
    expect(filterKey({ a: [1, { b: null }] })).toBe('{"a":[1,{"b":null}]}');
    expect(filterKey(Object.assign(Object.create(null) as object, { a: true }))).toBe('{"a":true}');
  });

  it.each([
    ["a Date", { submitted: new Date(0) }],
    ["an undefined member", { queue: undefined }],
    // eslint-disable-next-line no-sparse-arrays -- the hole is the case
    ["a hole in an array", { queue: { $in: [1, , 2] } }],
    ["-0", { retries: -0 }],
    ["NaN", { retries: Number.NaN }],
    ["Infinity", { retries: Number.POSITIVE_INFINITY }],
    ["a Buffer", { queue: Buffer.from("x") }],
    ["a class instance", { queue: new (class Box {})() }],
    ["a function", { queue: () => 1 }],
    ["a bigint", { retries: 1n }],
    ["a filter longer than the cache keeps", { queue: "x".repeat(MAX_FILTER_KEY) }],
  ])("keeps nothing for %s", (_, filter) => {
    expect(filterKey(filter)).toBeNull();
  });

  it("keeps nothing for a filter nested deeper than any the parser accepts, without a deep stack", () => {
    let deep: unknown = { queue: "q" };
    for (let i = 0; i < 100_000; i++) deep = { $and: [deep] };
    expect(filterKey(deep)).toBeNull();
  });
});

describe("prepareFilter's cache", () => {
  it("gives the filter prepared before for the same text, dialect and limits, and a new one otherwise", () => {
    const catalogue = fresh();
    const filter = { engineUuid: "e-3", submitted: { $gte: "2026-03-01T00:00:00Z" } };
    const first = prepareFilter(filter, catalogue, { dialect: "sqlite" });
    expect(prepareFilter(JSON.parse(JSON.stringify(filter)), catalogue, { dialect: "sqlite" })).toBe(first);
    expect(prepareFilter(filter, catalogue, { dialect: "postgres" })).not.toBe(first);
    expect(prepareFilter(filter, catalogue, { dialect: "sqlite", limits: { maxDepth: 3, maxNodes: 9 } })).not.toBe(
      first,
    );
    expect(prepareFilter(filter, fresh(), { dialect: "sqlite" })).not.toBe(first);
  });

  it("spells a kept filter as a new one: the same SQL and values, in every statement", () => {
    const catalogue = fresh();
    const filter = { queue: { $in: ["a", "b"] }, "header.msg_type": "apply_request" };
    const once = sqlOf(filter, catalogue);
    expect(sqlOf(filter, catalogue)).toEqual(once);
    expect(sqlOf(filter, fresh())).toEqual(once);
  });

  it("refuses a bad filter every time (a refusal is not kept)", () => {
    const catalogue = fresh();
    for (let i = 0; i < 3; i++) {
      expect(() => prepareFilter({ queue: { $bogus: 1 } }, catalogue, { dialect: "sqlite" })).toThrow(/\$bogus/);
    }
  });

  it("does not keep a Date where its ISO text would be another filter", () => {
    const catalogue = fresh();
    const asText = prepareFilter({ submitted: "2026-03-01T00:00:00.000Z" }, catalogue, { dialect: "sqlite" });
    const asDate = prepareFilter({ submitted: new Date("2026-03-01T00:00:00.000Z") }, catalogue, { dialect: "sqlite" });
    expect(asDate).not.toBe(asText);
  });
});

describe("LruMap (the kept filters' and verdicts' map)", () => {
  it("evicts the least recently used past its capacity", () => {
    const prepared = (n: number) => ({ matchesEverything: false, matchesNothing: false, toSql: () => String(n) });
    const cache = new LruMap<string, ReturnType<typeof prepared>>(2);
    const [one, two, three] = [prepared(1), prepared(2), prepared(3)];
    cache.set("1", one);
    cache.set("2", two);
    expect(cache.get("1")).toBe(one);
    cache.set("3", three);
    expect(cache.get("2")).toBeUndefined();
    expect(cache.get("1")).toBe(one);
    expect(cache.get("3")).toBe(three);
    expect(cache.size).toBe(2);
  });
});
