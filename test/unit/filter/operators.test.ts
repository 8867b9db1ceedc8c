/**
 * One table per operator, each with its null / missing / wrong-type rows, executed on an in-memory SQLite
 * (the conformance suite runs the same semantics on Postgres and against mingo).
 *
 * Records (ids):      1 full · 2 JSON null · 3 SQL NULL typed columns, JSON null element · 4 arrays/mixed ·
 *                     5 string "1" and JSON null root · 6 nothing at all
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { openSqlite, type Store, type Thing } from "../../conformance/harness";

const RECORDS: readonly Thing[] = [
  {
    id: 1,
    name: "alpha",
    score: 1.5,
    retries: 0,
    isActive: true,
    submittedAt: new Date("2026-11-22T10:00:00Z"),
    state: "QUEUED",
    doc: { a: 1, s: "x", o: { k: "v" } },
    tags: ["red", "blue"],
    results: [{ product: "abc", score: 10 }],
  },
  {
    id: 2,
    name: "beta",
    score: 2,
    retries: 2,
    isActive: false,
    submittedAt: new Date("2026-11-22T12:00:00Z"),
    state: "RUNNING",
    doc: { a: null, s: "y" },
    tags: [],
    results: [{ product: "xyz" }, { product: "abc", score: 3 }],
  },
  { id: 3, doc: {}, tags: [null] },
  { id: 4, name: "Gamma", doc: { a: [1, 2], s: ["x", "z"] }, tags: "red", results: [{ score: 7 }] },
  { id: 5, doc: { a: "1" }, tags: null },
  { id: 6 },
];

type Row = readonly [filter: Record<string, unknown>, ids: readonly number[]];

const TABLES: Record<string, readonly Row[]> = {
  "bare value / $eq": [
    [{ "doc.a": 1 }, [1, 4]],
    [{ "doc.a": { $eq: 1 } }, [1, 4]],
    [{ "doc.a": "1" }, [5]],
    [{ "doc.a": null }, [2, 3, 6]],
    [{ name: "alpha" }, [1]],
    [{ name: null }, [3, 5, 6]],
    [{ tags: "red" }, [1, 4]],
    [{ tags: null }, [3, 5, 6]],
    [{ tags: [] }, [2]],
    [{ "doc.o": { k: "v" } }, [1]],
    [{ isActive: true }, [1]],
    [{ state: "RUNNING" }, [2]],
  ],
  $ne: [
    [{ "doc.a": { $ne: 1 } }, [2, 3, 5, 6]],
    [{ "doc.a": { $ne: null } }, [1, 4, 5]],
    [{ name: { $ne: "alpha" } }, [2, 3, 4, 5, 6]],
    [{ name: { $ne: null } }, [1, 2, 4]],
    [{ tags: { $ne: "red" } }, [2, 3, 5, 6]],
    [{ isActive: { $ne: true } }, [2, 3, 4, 5, 6]],
  ],
  "$gt $gte $lt $lte (and $ge $le)": [
    [{ "doc.a": { $gt: 1 } }, [4]],
    [{ "doc.a": { $gte: 1 } }, [1, 4]],
    [{ "doc.a": { $lt: 2 } }, [1, 4]],
    [{ "doc.a": { $lte: "1" } }, [5]],
    [{ "doc.a": { $gte: null } }, [2, 3, 6]],
    [{ "doc.a": { $gt: null } }, []],
    [{ score: { $gt: 1.5 } }, [2]],
    [{ score: { $gte: 1.5 } }, [1, 2]],
    [{ score: { $ge: 1.5 } }, [2]],
    [{ score: { $le: 2 } }, [1]],
    [{ retries: { $lt: 1.5 } }, [1]],
    [{ name: { $lt: "b" } }, [1, 4]],
    [{ submittedAt: { $gt: "2026-11-22T11:00:00+01:00" } }, [2]],
    [{ isActive: { $lt: true } }, [2]],
  ],
  "$in $nin": [
    [{ "doc.a": { $in: [1, "1"] } }, [1, 4, 5]],
    [{ "doc.a": { $in: [null] } }, [2, 3, 6]],
    [{ "doc.a": { $in: [] } }, []],
    [{ "doc.a": { $nin: [1, null] } }, [5]],
    [{ "doc.a": { $nin: [] } }, [1, 2, 3, 4, 5, 6]],
    [{ state: { $in: ["QUEUED", null] } }, [1, 3, 4, 5, 6]],
    [{ state: { $nin: ["QUEUED"] } }, [2, 3, 4, 5, 6]],
    [{ tags: { $in: ["blue", null] } }, [1, 3, 5, 6]],
    [{ retries: { $in: [1.5, 2] } }, [2]],
  ],
  $exists: [
    [{ "doc.a": { $exists: true } }, [1, 2, 4, 5]],
    [{ "doc.a": { $exists: false } }, [3, 6]],
    [{ tags: { $exists: true } }, [1, 2, 3, 4, 5]],
    [{ name: { $exists: true } }, [1, 2, 4]],
    [{ name: { $exists: false } }, [3, 5, 6]],
  ],
  $not: [
    [{ "doc.a": { $not: { $gt: 1 } } }, [1, 2, 3, 5, 6]],
    [{ score: { $not: { $gt: 1.5 } } }, [1, 3, 4, 5, 6]],
    [{ name: { $not: { $regex: "^a" } } }, [2, 3, 4, 5, 6]],
  ],
  $regex: [
    [{ name: { $regex: "a$" } }, [1, 2, 4]],
    [{ name: { $regex: "^g", $options: "i" } }, [4]],
    [{ "doc.s": { $regex: "^[xz]$" } }, [1, 4]],
    [{ "doc.a": { $regex: "1" } }, [5]],
    [{ tags: { $regex: "e" } }, [1, 4]],
  ],
  $glob: [
    [{ name: { $glob: "*a" } }, [1, 2, 4]],
    [{ name: { $glob: "[!a]*" } }, [2, 4]],
    [{ "doc.s": { $glob: "?" } }, [1, 2, 4]],
  ],
  $all: [
    [{ tags: { $all: ["red", "blue"] } }, [1]],
    [{ tags: { $all: ["red"] } }, [1, 4]],
    [{ tags: { $all: [] } }, []],
    [{ tags: { $all: [null] } }, [3, 5, 6]],
  ],
  $size: [
    [{ tags: { $size: 0 } }, [2]],
    [{ tags: { $size: 1 } }, [3]],
    [{ "doc.s": { $size: 2 } }, [4]],
    [{ results: { $size: 2 } }, [2]],
  ],
  $elemMatch: [
    [{ results: { $elemMatch: { product: "abc", score: { $gt: 5 } } } }, [1]],
    [{ results: { $elemMatch: { product: null } } }, [4]],
    [{ "doc.a": { $elemMatch: { $gt: 1 } } }, [4]],
    [{ tags: { $elemMatch: { $eq: null } } }, [3]],
  ],
  $type: [
    [{ "doc.a": { $type: "null" } }, [2]],
    [{ "doc.a": { $type: "number" } }, [1, 4]],
    [{ "doc.a": { $type: "array" } }, [4]],
    [{ tags: { $type: "null" } }, [3, 5]],
    [{ name: { $type: "string" } }, [1, 2, 4]],
    [{ submittedAt: { $type: ["date", "null"] } }, [1, 2]],
  ],
  $mod: [
    [{ "doc.a": { $mod: [2, 1] } }, [1, 4]],
    [{ retries: { $mod: [2, 0] } }, [1, 2]],
    [{ score: { $mod: [2, 1] } }, [1]],
  ],
  "$and $or $nor": [
    [{ $or: [{ name: "alpha" }, { "doc.a": null }] }, [1, 2, 3, 6]],
    [{ $and: [{ "doc.a": { $exists: true } }, { "doc.a": { $ne: null } }] }, [1, 4, 5]],
    [{ $nor: [{ name: { $exists: true } }, { tags: "red" }] }, [3, 5, 6]],
    [{ $or: [{ $nor: [{ doc: { $exists: true } }] }, { state: "QUEUED", retries: 0 }] }, [1, 6]],
    [{}, [1, 2, 3, 4, 5, 6]],
  ],
};

let store: Store;

beforeAll(() => {
  store = openSqlite(RECORDS);
});

afterAll(async () => {
  await store.close();
});

describe.each(Object.entries(TABLES))("%s", (_operator, rows) => {
  it.each(rows.map(([filter, ids]) => [JSON.stringify(filter), filter, ids] as const))(
    "%s",
    async (_name, filter, ids) => {
      expect(await store.ids(filter)).toEqual(ids);
    },
  );
});
