/**
 * The import fingerprint (src/services/tasks/import-fingerprint.ts) is stored with every imported record and compared
 * by later imports: its value must never change for the same record, whatever the order of an object's keys.
 */
import { describe, expect, it } from "vitest";

import { fingerprintOf } from "../../src/services/tasks/import-fingerprint";

/** Forty keys in a scrambled order: sorted by Array.prototype.sort, not by insertion (more than 16). */
const MANY = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7919) % 40}`, i]));

const RECORD = {
  msgId: "m-1",
  header: { msg_id: "m-1", é: 1, Z: [1, "two", null, true], a: { b: { c: "d" } } },
  metadata: MANY,
  // Keys that sort differently by code point and by UTF-16 code unit: the order is by code unit, as Array.sort's.
  content: { "\uD83E\uDDEA": "x", "\uFF21": 2, A: 3 },
  buffers: ["QUJD", "x".repeat(2000)],
  submitted: "2026-03-01T00:00:00.000000Z",
  stdout: "out",
  stderr: "",
};

/** Reversed key order at every level. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, item]) => [key, reversed(item)]),
  );
}

describe("fingerprintOf", () => {
  it("gives the digest it gave before (records imported then must still match)", () => {
    // Computed by the implementation of 96a86a4, before keys were sorted by insertion.
    expect(fingerprintOf(RECORD)).toBe("96784zvULjkhdy-csmrTsy-rKpMqUIf5VVu-ZN4T7u8");
  });

  it("does not depend on the order of an object's keys, for few keys or many", () => {
    expect(fingerprintOf(reversed(RECORD) as typeof RECORD)).toBe(fingerprintOf(RECORD));
  });

  it("tells records apart that differ in one value", () => {
    expect(fingerprintOf({ ...RECORD, metadata: { ...MANY, k3: 4 } })).not.toBe(fingerprintOf(RECORD));
    expect(fingerprintOf({ ...RECORD, content: { ...RECORD.content, A: 4 } })).not.toBe(fingerprintOf(RECORD));
  });
});
