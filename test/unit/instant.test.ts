/** The instant codec (src/dialect/instant.ts): canonical microsecond text in, out and between. */
import { describe, expect, it } from "vitest";

import {
  addSeconds,
  compareInstants,
  decodeInstant,
  type Instant,
  instantFromDate,
  instantFromMillis,
  instantMillis,
  MAX_INSTANT,
  MIN_INSTANT,
  parseInstant,
  secondsBetween,
} from "../../src/dialect";

const at = (text: string) => parseInstant(text) as Instant;

describe("parseInstant", () => {
  it.each([
    ["2026-03-01T12:00:00.123456+00:00", "2026-03-01T12:00:00.123456Z"],
    ["2026-03-01T12:00:00+00:00", "2026-03-01T12:00:00.000000Z"],
    ["2026-03-01T14:00:00.5+02:00", "2026-03-01T12:00:00.500000Z"],
    ["2026-03-01T07:30:00.000001-0430", "2026-03-01T12:00:00.000001Z"],
    ["2026-03-01T13:00:00.123456789+01", "2026-03-01T12:00:00.123456Z"],
    ["2026-03-01 12:00:00.7", "2026-03-01T12:00:00.700000Z"],
    ["2026-03-01T12:00", "2026-03-01T12:00:00.000000Z"],
    ["2026-03-01", "2026-03-01T00:00:00.000000Z"],
    ["2024-02-29T00:00:00z", "2024-02-29T00:00:00.000000Z"],
    ["2026-03-01T00:30:00+01:00", "2026-02-28T23:30:00.000000Z"],
    ["0001-01-01T00:00:00Z", MIN_INSTANT],
    ["9999-12-31T23:59:59.999999Z", MAX_INSTANT],
    ["0099-06-15T00:00:00Z", "0099-06-15T00:00:00.000000Z"],
  ])("reads %s as %s", (text, canonical) => {
    expect(parseInstant(text)).toBe(canonical);
  });

  it.each([
    "2023-02-29T00:00:00Z",
    "2026-04-31",
    "2026-13-01",
    "2026-03-01T24:00:00Z",
    "2026-03-01T12:60:00Z",
    "2026-03-01T12:00:00+24:00",
    "yesterday",
    "",
    "0000-12-31T23:59:59.999999Z",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:30:00-01:00",
    "10000-01-01T00:00:00Z",
    "+010000-01-01T00:00:00Z",
  ])("refuses %s (invalid, or outside 0001–9999 UTC)", (text) => {
    expect(parseInstant(text)).toBeNull();
  });

  it("takes canonical text as it is when it names a real moment, and refuses it otherwise (the fast path)", () => {
    for (const text of ["2026-03-01T12:00:00.123456Z", "2024-02-29T23:59:59.999999Z", "0001-01-01T00:00:00.000000Z"]) {
      expect(parseInstant(text)).toBe(text);
    }
    for (const text of [
      "2023-02-29T00:00:00.000000Z",
      "2026-04-31T00:00:00.000000Z",
      "2026-00-10T00:00:00.000000Z",
      "2026-03-00T00:00:00.000000Z",
      "2026-03-01T24:00:00.000000Z",
      "2026-03-01T12:60:00.000000Z",
      "0000-12-31T23:59:59.999999Z",
    ]) {
      expect(parseInstant(text)).toBeNull();
    }
    // A leap second is not canonical: it goes through the parser, which carries it into the next minute.
    expect(parseInstant("2016-12-31T23:59:60.500000Z")).toBe("2017-01-01T00:00:00.500000Z");
  });

  it("reads Python's isoformat() of a UTC instant (SQLiteDB's timestamps) as the general parser does (its fast path)", () => {
    // Each checked against the same instant written with `Z`, which takes the general path.
    for (const text of [
      "2026-03-01T12:00:00.123456+00:00",
      "2024-02-29T23:59:59.999999+00:00",
      "0001-01-01T00:00:00.000000+00:00",
      "9999-12-31T23:59:59.999999+00:00",
    ]) {
      expect(parseInstant(text)).toBe(`${text.slice(0, 26)}Z`);
    }
    for (const text of [
      "2023-02-29T00:00:00.000000+00:00",
      "2026-03-01T24:00:00.000000+00:00",
      "0000-12-31T23:59:59.999999+00:00",
      "2026-03-01T12:00:00.12345x+00:00",
    ]) {
      expect(parseInstant(text)).toBeNull();
    }
    // A leap second leaves the fast path and is carried into the next minute, as with any other offset.
    expect(parseInstant("2016-12-31T23:59:60.500000+00:00")).toBe("2017-01-01T00:00:00.500000Z");
  });

  it("reads {$date} as Mongo extended JSON gives it, milliseconds to the microsecond", () => {
    const millis = Date.parse("2026-03-01T12:00:00.123Z");
    expect(parseInstant({ $date: millis })).toBe("2026-03-01T12:00:00.123000Z");
    expect(parseInstant({ $date: millis + 0.456 })).toBe("2026-03-01T12:00:00.123456Z");
    expect(parseInstant({ $date: { $numberLong: String(millis) } })).toBe("2026-03-01T12:00:00.123000Z");
    expect(parseInstant({ $date: "2026-03-01T12:00:00.123456Z" })).toBe("2026-03-01T12:00:00.123456Z");
    expect(parseInstant({ $date: Date.parse("10000-01-01T00:00:00Z") })).toBeNull();
    expect(parseInstant({ $date: Number.NaN })).toBeNull();
    expect(parseInstant({ $date: "x", other: 1 })).toBeNull();
  });

  it("reads a JS Date at its millisecond", () => {
    expect(parseInstant(new Date("2026-03-01T12:00:00.123Z"))).toBe("2026-03-01T12:00:00.123000Z");
    expect(instantFromDate(new Date(Number.NaN))).toBeNull();
  });
});

describe("decodeInstant (what drivers return)", () => {
  it.each([
    ["2026-03-01T12:00:00.123456Z", "2026-03-01T12:00:00.123456Z"],
    ["2026-03-01 12:00:00.123456+00", "2026-03-01T12:00:00.123456Z"],
    ["2026-03-01 12:00:00+00", "2026-03-01T12:00:00.000000Z"],
    ["2026-03-01 12:00:00.5+00", "2026-03-01T12:00:00.500000Z"],
    ["2026-03-01 17:30:00.000001+05:30", "2026-03-01T12:00:00.000001Z"],
    ["2026-03-01 09:00:00-03", "2026-03-01T12:00:00.000000Z"],
    ["0001-01-01 00:09:21+00:09:21", "0001-01-01T00:00:00.000000Z"],
    ["2026-03-01T12:00:00.123Z", "2026-03-01T12:00:00.123000Z"],
    ["2026-03-01 12:00:00", "2026-03-01T12:00:00.000000Z"],
  ])("reads %s as %s", (raw, canonical) => {
    expect(decodeInstant(raw)).toBe(canonical);
  });

  it("clamps what lies beyond the range instead of failing a read", () => {
    expect(decodeInstant("10000-01-01 00:00:00+00")).toBe(MAX_INSTANT);
    expect(decodeInstant("0001-06-01 00:00:00+00 BC")).toBe(MIN_INSTANT);
    expect(decodeInstant(new Date("2026-03-01T12:00:00.123Z"))).toBe("2026-03-01T12:00:00.123000Z");
    expect(decodeInstant(null)).toBeNull();
    expect(decodeInstant("not a time")).toBeNull();
  });
});

describe("arithmetic and order", () => {
  it("moves by seconds to the microsecond, carrying across milliseconds, days and years", () => {
    expect(addSeconds(at("2026-03-01T12:00:00.999999Z"), 0.000001)).toBe("2026-03-01T12:00:01.000000Z");
    expect(addSeconds(at("2026-12-31T23:59:59.999500Z"), 0.0005)).toBe("2027-01-01T00:00:00.000000Z");
    expect(addSeconds(at("2026-03-01T12:00:00.000000Z"), -0.000001)).toBe("2026-03-01T11:59:59.999999Z");
    expect(addSeconds(at("2026-03-01T12:00:00.123456Z"), 300)).toBe("2026-03-01T12:05:00.123456Z");
    expect(addSeconds(MAX_INSTANT, 1)).toBe(MAX_INSTANT);
    expect(() => addSeconds(MAX_INSTANT, Number.NaN)).toThrow(RangeError);
  });

  it("measures and compares at microseconds", () => {
    const a = at("2026-03-01T12:00:00.123456Z");
    const b = at("2026-03-01T12:00:01.123457Z");
    expect(secondsBetween(a, b)).toBeCloseTo(1.000001, 9);
    expect(compareInstants(a, b)).toBeLessThan(0);
    expect(compareInstants(b, a)).toBeGreaterThan(0);
    expect(compareInstants(a, at("2026-03-01T14:00:00.123456+02:00"))).toBe(0);
    expect(instantMillis(a)).toBe(Date.parse("2026-03-01T12:00:00.123Z"));
    expect(instantFromMillis(Date.parse("0001-01-01T00:00:00Z") - 1)).toBeNull();
  });

  it("keeps text order equal to time order over the whole range", () => {
    const sorted = [
      MIN_INSTANT,
      at("0999-12-31T23:59:59.999999Z"),
      at("1000-01-01"),
      at("2026-03-01T12:00:00.000001Z"),
    ];
    const texts = [...sorted, MAX_INSTANT].map(String);
    expect([...texts].sort()).toEqual(texts);
  });
});
