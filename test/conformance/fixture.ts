/**
 * The conformance records: every trap of prior-art.md §4 has records on both sides of it (null vs missing,
 * arrays of scalars and of documents, nested arrays, mixed types, key order, numeric keys, newlines, case), plus
 * seeded pseudo-random records for the generated filters.
 */
import type { Thing } from "./harness";
import { prng } from "../support/prng";

const at = (iso: string): Date => new Date(iso);

export const HAND_WRITTEN: readonly Thing[] = [
  {
    id: 1,
    name: "alpha",
    score: 1.5,
    retries: 0,
    isActive: true,
    submittedAt: at("2026-11-22T10:00:00Z"),
    state: "QUEUED",
    doc: { a: 1, b: "x", c: { d: 1 } },
    tags: ["red", "blue"],
    results: [
      { product: "abc", score: 10 },
      { product: "xyz", score: 5 },
    ],
  },
  {
    id: 2,
    name: "beta",
    score: 2,
    retries: 1,
    isActive: false,
    // The same instant as record 1, written with another offset.
    submittedAt: at("2026-11-22T12:00:00+02:00"),
    state: "RUNNING",
    doc: { a: [1, 2, 3] },
    tags: "red",
    results: [{ product: "xyz", score: 8 }],
  },
  {
    id: 3,
    name: "",
    score: 0,
    retries: 2,
    state: "COMPLETED",
    doc: { a: null },
    tags: [],
    results: [],
  },
  {
    id: 4,
    name: "Alpha",
    score: -1,
    submittedAt: at("2026-11-22T09:59:59.999Z"),
    doc: { a: "1" },
    tags: [["red", "x"]],
    results: [{ product: "abc" }, { score: 7 }],
  },
  { id: 5, doc: { a: { b: 1 } }, tags: ["red", "x"], results: [{ product: "xyz", score: [1, 9] }] },
  { id: 6, doc: {}, tags: [null], results: [1, 2] },
  { id: 7, doc: { a: [{ b: 1 }, { b: 2 }] }, tags: [1, "1", true], results: { product: "abc", score: 3 } },
  { id: 8, doc: { a: [{ b: null }, { c: 1 }] }, tags: null },
  { id: 9, doc: { a: [[1, 2], [3]] }, tags: ["10", 10, 9] },
  { id: 10, doc: { a: [] }, tags: [[]] },
  { id: 11, doc: { a: [null] }, tags: ["red", null] },
  { id: 12, doc: { a: true }, tags: [true, false] },
  { id: 13, doc: { a: false }, tags: "blue" },
  { id: 14, doc: { a: { b: { c: "deep" } } }, tags: [{ color: "red" }, { color: "blue" }] },
  { id: 15, doc: { a: [1, { b: 2 }] }, tags: [{ color: "red", size: 1 }] },
  { id: 16, doc: { a: 2.5 }, tags: ["a", "b", "c"] },
  { id: 17, doc: { a: "abc" }, tags: ["ABC", "aBc"] },
  { id: 18, name: "10", doc: { a: 10 } },
  { id: 19, doc: [{ a: 1 }, { a: 2 }] },
  { id: 20, doc: 5 },
  { id: 21, doc: "str" },
  { id: 22, doc: { a: { x: 1, y: 2 } } },
  { id: 23, doc: { a: { y: 2, x: 1 } } },
  { id: 24, doc: { a: [{ x: 1, y: 2 }] } },
  { id: 25, doc: { a: [{ "0": "key-zero" }, "pos-one"] } },
  { id: 26, doc: { a: [1, [2, 3]] } },
  { id: 27, doc: { a: -7 }, tags: [-7.5] },
  { id: 28, doc: { a: 5.5 } },
  { id: 29, name: "line1\nline2", doc: { a: "a\n" } },
  { id: 30, name: "ñandú", doc: { a: "ÉCOLE" } },
  { id: 31, name: "a*b?c[d]" },
  { id: 32, name: "[ab]" },
  { id: 33 },
  {
    id: 34,
    name: "gamma",
    score: 3,
    retries: 3,
    isActive: true,
    submittedAt: at("2026-11-23T00:00:00.123Z"),
    state: "FAILED",
    doc: { a: 3, b: ["x", "y"] },
  },
  {
    id: 35,
    name: "delta",
    score: 0.001,
    retries: -4,
    submittedAt: at("2025-01-01T00:00:00Z"),
    state: "QUEUED",
    doc: { a: { b: [1, 2] } },
  },
  {
    id: 36,
    doc: { a: [{ b: [1, 2] }, { b: 3 }] },
    results: [
      { product: "abc", score: 8 },
      { product: "xyz", score: 2 },
    ],
  },
  { id: 37, doc: { a: 1.0, b: "1" }, tags: ["x", ["x"]] },
  { id: 38, doc: { b: null }, results: [{ product: null }, { product: "abc", score: null }] },
  { id: 39, doc: { a: [[{ b: 1 }]] } },
  { id: 40, doc: { 'q"x': 1, "a\\b": [2], "sp ace": { ü: true }, "": "empty key" } },
];

export const SCALARS = [null, true, false, 0, 1, 2, 2.5, -1, 10, "", "a", "b", "ab", "abc", "red", "blue", "x", "1"];
export const KEYS = ["a", "b", "c", "product", "score"];

function generated(count: number, firstId: number): Thing[] {
  const random = prng(20261122);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const value = (depth: number): unknown => {
    const roll = random();
    if (depth >= 3 || roll < 0.55) return pick(SCALARS);
    if (roll < 0.8) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    const out: Record<string, unknown> = {};
    for (const key of KEYS) if (random() < 0.35) out[key] = value(depth + 1);
    return out;
  };
  const maybe = <T>(make: () => T): T | undefined => (random() < 0.25 ? undefined : make());
  const things: Thing[] = [];
  for (let i = 0; i < count; i++) {
    const doc: Record<string, unknown> = {};
    for (const key of ["a", "b", "c"]) if (random() < 0.6) doc[key] = value(1);
    things.push(
      withoutUndefined({
        id: firstId + i,
        name: maybe(() => pick(["alpha", "beta", "Alpha", "", "ab", "red", "10", "x*y"])),
        score: maybe(() => pick([-1, 0, 1, 1.5, 2, 10, 0.25])),
        retries: maybe(() => pick([-3, 0, 1, 2, 5])),
        isActive: maybe(() => random() < 0.5),
        submittedAt: maybe(
          () => new Date(Date.UTC(2026, 10, 20 + Math.floor(random() * 5), Math.floor(random() * 24))),
        ),
        state: maybe(() => pick(["QUEUED", "RUNNING", "COMPLETED", "FAILED"])),
        doc: random() < 0.1 ? undefined : random() < 0.1 ? value(1) : doc,
        tags: maybe(() => value(0)),
        results: maybe(() =>
          Array.from({ length: Math.floor(random() * 4) }, () =>
            random() < 0.8
              ? Object.fromEntries(
                  (["product", "score"] as const).filter(() => random() < 0.75).map((k) => [k, value(2)]),
                )
              : value(2),
          ),
        ),
      }),
    );
  }
  return things;
}

/** An absent key, not a key holding undefined: that is how a record says "missing". */
function withoutUndefined(thing: Thing): Thing {
  return Object.fromEntries(Object.entries(thing).filter(([, v]) => v !== undefined)) as unknown as Thing;
}

export const GENERATED: readonly Thing[] = generated(60, 101);

export const ALL_THINGS: readonly Thing[] = [...HAND_WRITTEN, ...GENERATED];

/**
 * Records on which mingo and the MongoDB manual agree, for the generated mingo comparison: no nested arrays,
 * arrays of documents only with complete key sets (b and c; product and score), documents with keys in one
 * order, ASCII strings without newlines. The traps mingo gets wrong live in HAND_WRITTEN and GENERATED and are
 * checked against the manual (conformance.test.ts lists each one).
 */
function mingoSafe(count: number, firstId: number): Thing[] {
  const random = prng(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const scalars = (n: number): unknown[] => Array.from({ length: n }, () => pick(SCALARS));
  const maybe = <T>(make: () => T): T | undefined => (random() < 0.25 ? undefined : make());
  const things: Thing[] = [];
  for (let i = 0; i < count; i++) {
    const doc: Record<string, unknown> = {};
    if (random() < 0.7) {
      doc["a"] = pick([
        () => pick(SCALARS),
        () => scalars(Math.floor(random() * 4)),
        () => ({ b: pick(SCALARS), c: pick(SCALARS) }),
        () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ b: pick(SCALARS), c: pick(SCALARS) })),
      ])();
    }
    if (random() < 0.7) doc["b"] = random() < 0.7 ? pick(SCALARS) : scalars(Math.floor(random() * 3));
    if (random() < 0.5) doc["c"] = random() < 0.6 ? { d: pick(SCALARS) } : pick(SCALARS);
    things.push(
      withoutUndefined({
        id: firstId + i,
        name: maybe(() => pick(["alpha", "beta", "Alpha", "", "ab", "red", "10", "x*y"])),
        score: maybe(() => pick([-1, 0, 1, 1.5, 2, 10, 0.25])),
        retries: maybe(() => pick([-3, 0, 1, 2, 5])),
        isActive: maybe(() => random() < 0.5),
        submittedAt: maybe(
          () => new Date(Date.UTC(2026, 10, 20 + Math.floor(random() * 5), Math.floor(random() * 24))),
        ),
        state: maybe(() => pick(["QUEUED", "RUNNING", "COMPLETED", "FAILED"])),
        doc: random() < 0.1 ? undefined : doc,
        tags: maybe(() => (random() < 0.3 ? pick(SCALARS) : scalars(Math.floor(random() * 4)))),
        results: maybe(() =>
          Array.from({ length: Math.floor(random() * 4) }, () => ({ product: pick(SCALARS), score: pick(SCALARS) })),
        ),
      }),
    );
  }
  return things;
}

export const MINGO_SAFE: readonly Thing[] = mingoSafe(80, 201);
