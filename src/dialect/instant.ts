import type { Dialect } from "./dialect";
import { UnstorableValueError } from "./unstorable";

/**
 * The instant codec: the one place that knows how an instant is represented in memory, in SQL and on the wire.
 * Everything else (row codec, filter operands, cursors, keyset conditions, services, the DateTime scalar) goes
 * through these functions, so a change of representation (e.g. microseconds carried as text) happens here.
 *
 * Today an instant is a JS `Date` (millisecond precision). SQLite keeps ISO-8601 UTC text with milliseconds
 * (`2026-11-22T10:00:00.000Z`): fixed width, so text order is instant order. Postgres keeps `timestamptz` and is
 * sent the same text, so both dialects look alike in logs.
 */
export type Instant = Date;

/** The current instant. */
export function instantNow(): Instant {
  return new Date();
}

/** `instant` moved by `seconds` (negative: back). */
export function addSeconds(instant: Instant, seconds: number): Instant {
  return new Date(instant.getTime() + seconds * 1000);
}

/** Milliseconds since the epoch, for arithmetic on durations. */
export function instantMillis(instant: Instant): number {
  return instant.getTime();
}

/** An instant from epoch milliseconds. */
export function instantFromMillis(millis: number): Instant {
  return new Date(millis);
}

/** The wire text of an instant: ISO-8601 UTC with milliseconds (GraphQL output, cursors, JSON answers, messages). */
export function formatInstant(instant: Instant): string {
  return instant.toISOString();
}

/**
 * Instants hubql stores: years 0001–9999 (ISO-8601's four-digit years). SQLite keeps fixed-width text, whose order
 * is time order only there (year 10000 printed as `+010000-…` sorted before year 0), and Postgres refuses year 0.
 */
export const MIN_INSTANT_MILLIS = -62_135_596_800_000; // 0001-01-01T00:00:00.000Z
export const MAX_INSTANT_MILLIS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Whether an instant is one hubql can store (0001–9999, not Invalid Date). */
export function isStorableInstant(instant: Instant): boolean {
  const millis = instant.getTime();
  return millis >= MIN_INSTANT_MILLIS && millis <= MAX_INSTANT_MILLIS;
}

/** The SQL parameter for an instant on `dialect`; UnstorableValueError outside 0001–9999. */
export function encodeInstant(instant: Instant, dialect: Dialect): string {
  void dialect;
  if (!isStorableInstant(instant)) {
    throw new UnstorableValueError("Instants must lie between years 0001 and 9999 (UTC)");
  }
  return formatInstant(instant);
}

/** An instant as a driver returns it (Date, ISO text, Postgres text output, SQLite CURRENT_TIMESTAMP text). */
export function decodeInstant(value: unknown): Instant | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === "string") {
    // Postgres text output ("2026-11-22 10:00:00+00") and our ISO text both parse; SQLite default
    // CURRENT_TIMESTAMP text ("2026-11-22 10:00:00") has no offset and is UTC.
    const iso = /[zZ]|[+-]\d{2}(:?\d{2})?$/.test(value) ? value : `${value.replace(" ", "T")}Z`;
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  if (typeof value === "number") return new Date(value);
  return null;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Reads an instant as the filter language and the DateTime scalar accept it: an ISO-8601 string (an offset-less
 * string is UTC) or Mongo extended JSON `{"$date": "…" | millis}`. Returns null when it is not a valid instant.
 */
export function parseInstant(value: unknown): Instant | null {
  const parsed = parseAnyInstant(value);
  // Outside 0001–9999 (`{"$date": 1e300}`, ±8.64e15 ms, year 0000 with an offset) is not an instant hubql keeps.
  return parsed && isStorableInstant(parsed) ? parsed : null;
}

function parseAnyInstant(value: unknown): Instant | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$date") {
      const inner = (value as { $date: unknown }).$date;
      if (typeof inner === "number" && Number.isFinite(inner)) return new Date(inner);
      if (inner !== null && typeof inner === "object" && "$numberLong" in inner) {
        const millis = Number((inner as { $numberLong: unknown }).$numberLong);
        return Number.isFinite(millis) ? new Date(millis) : null;
      }
      return parseAnyInstant(inner);
    }
    return null;
  }
  if (typeof value !== "string") return null;
  const match = ISO_INSTANT.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", offset = "Z"] = match;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return null;
  }
  const millis = frac.padEnd(3, "0").slice(0, 3);
  const zone = offset === "Z" || offset === "z" ? "Z" : normaliseOffset(offset);
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${millis}${zone}`);
  if (Number.isNaN(date.getTime())) return null;
  // Reject dates JS silently rolls over (2026-02-31 → March 3).
  if (zone === "Z" && (date.getUTCDate() !== day || date.getUTCMonth() + 1 !== month)) return null;
  return date;
}

function normaliseOffset(offset: string): string {
  const sign = offset[0];
  const digits = offset.slice(1).replace(":", "");
  const hours = digits.slice(0, 2);
  const minutes = digits.slice(2, 4) || "00";
  return `${sign}${hours}:${minutes}`;
}
