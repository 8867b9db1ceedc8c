/** Lists that carry their own JSON text (plainStringList, src/dialect/json.ts) and encodeJson's use of it. */
import { randomBytes } from "node:crypto";

import { describe, expect, it } from "vitest";

import { encodeJson, plainStringList } from "../../src/dialect";

const base64 = (bytes: number) => randomBytes(bytes).toString("base64");

describe("plainStringList", () => {
  it("encodes as JSON.stringify encodes the same strings, whatever their number and length", () => {
    const lists = [[], [""], [base64(1)], [base64(2), base64(3)], [base64(5000), "", base64(70_000), base64(4)]];
    for (const items of lists) {
      const expected = JSON.stringify(items);
      const text = encodeJson(plainStringList([...items]));
      expect(text).toBe(expected);
      expect(JSON.parse(text as string)).toEqual(items);
    }
  });

  it("is frozen, so its text cannot go stale, and reads as the array it was", () => {
    const list = plainStringList(["QQ==", "Qg=="]);
    expect(Object.isFrozen(list)).toBe(true);
    expect(() => (list as string[]).push("Qw==")).toThrow(TypeError);
    expect(Array.isArray(list)).toBe(true);
    expect([...list]).toEqual(["QQ==", "Qg=="]);
    expect(Object.keys(list)).toEqual(["0", "1"]);
    expect(JSON.stringify({ list })).toBe('{"list":["QQ==","Qg=="]}');
    expect(structuredClone(list)).toEqual(["QQ==", "Qg=="]);
  });

  it("leaves every other value to JSON.stringify and its checks", () => {
    expect(encodeJson(['a"b', "\\", "\u0001"])).toBe(JSON.stringify(['a"b', "\\", "\u0001"]));
    expect(encodeJson({ a: [1, "x"] })).toBe('{"a":[1,"x"]}');
    expect(() => encodeJson([Number.POSITIVE_INFINITY])).toThrow(/non-finite/);
  });
});
