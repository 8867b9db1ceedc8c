import type { Dialect } from "./dialect";

/**
 * The instant codec: the one place that knows how an instant is represented in memory, in SQL and on the wire.
 * Everything else (row codec, filter operands, cursors, keyset conditions, services, the DateTime scalar) goes
 * through these functions.
 *
 * An instant is canonical text: RFC 3339 in UTC with six fraction digits, `2026-11-22T10:00:00.123456Z` — the
 * microsecond precision of the IPython Hub (Python `datetime`) and of Postgres `timestamptz`. It is carried as a
 * string from the driver to the response, so nothing parses it into a JS `Date` (milliseconds) and back. Fixed
 * width and years 0001–9999 only, so text order is time order: SQLite stores exactly this text and compares and
 * sorts it as text; Postgres is sent the same text and hands `timestamptz` back as text (its type parser is
 * switched off in src/db/database.ts), which `decodeInstant` normalises to UTC.
 */
declare const INSTANT: unique symbol;
export type Instant = string & { readonly [INSTANT]: true };

/** The range every store accepts: four-digit years, so fixed-width text keeps its order. */
export const MIN_INSTANT = "0001-01-01T00:00:00.000000Z" as Instant;
export const MAX_INSTANT = "9999-12-31T23:59:59.999999Z" as Instant;
/** Said in messages that refuse an instant. */
export const INSTANT_RANGE = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z";

const MIN_MILLIS = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_MILLIS = Date.parse("9999-12-31T23:59:59.999Z");

/** An instant split for arithmetic: epoch milliseconds (exact in a double) and the microseconds beyond them. */
interface Parts {
  readonly millis: number;
  readonly micros: number;
}

/** The current instant (the clock has millisecond resolution). */
export function instantNow(): Instant {
  return fromParts({ millis: Date.now(), micros: 0 }) as Instant;
}

/** `instant` moved by `seconds` (negative: back), to the microsecond; clamped to the storable range. */
export function addSeconds(instant: Instant, seconds: number): Instant {
  if (!Number.isFinite(seconds)) throw new RangeError(`cannot add ${seconds} seconds to an instant`);
  const { millis, micros } = toParts(instant);
  const shift = Math.round(seconds * 1e6) + micros;
  const carry = Math.floor(shift / 1000);
  return fromPartsClamped({ millis: millis + carry, micros: shift - carry * 1000 }) as Instant;
}

/** Seconds from `from` to `to` (negative when `to` is earlier), to the microsecond. */
export function secondsBetween(from: Instant, to: Instant): number {
  const a = toParts(from);
  const b = toParts(to);
  return (b.millis - a.millis) / 1000 + (b.micros - a.micros) / 1e6;
}

/** Milliseconds since the epoch (microseconds dropped), for arithmetic on durations. */
export function instantMillis(instant: Instant): number {
  return toParts(instant).millis;
}

/** An instant from epoch milliseconds; null outside the storable range. */
export function instantFromMillis(millis: number): Instant | null {
  if (!Number.isFinite(millis)) return null;
  const whole = Math.floor(millis);
  const micros = Math.round((millis - whole) * 1000);
  return fromParts({ millis: whole + Math.floor(micros / 1000), micros: micros % 1000 });
}

/** An instant from a JS `Date` (milliseconds); null for an invalid date or one outside the storable range. */
export function instantFromDate(date: Date): Instant | null {
  return instantFromMillis(date.getTime());
}

/** Negative, zero or positive as `a` is before, at or after `b` (canonical text compares as time). */
export function compareInstants(a: Instant, b: Instant): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The wire text of an instant (GraphQL output, cursors, JSON answers, messages): the canonical text itself. */
export function formatInstant(instant: Instant): string {
  return instant;
}

/** The SQL parameter for an instant: the canonical text on both dialects (Postgres reads it as `timestamptz`). */
export function encodeInstant(instant: Instant, dialect: Dialect): string {
  void dialect;
  return instant;
}

/**
 * An instant as a driver returns it: our own text from SQLite, Postgres `timestamptz` text output
 * (`2026-11-22 10:00:00.5+00`, any offset, trailing zeros trimmed), or a `Date`/number where one slips through.
 * Stored values are always in range (writes refuse the rest, migrations clamped older ones); anything beyond the
 * range is clamped rather than failing a read.
 */
export function decodeInstant(value: unknown): Instant | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") {
    if (isCanonical(value)) return value;
    const utc = postgresUtc(value);
    if (utc) return utc;
    return isoInstant(value, true);
  }
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? null : fromPartsClamped(millisParts(value.getTime()));
  if (typeof value === "number" && Number.isFinite(value)) return fromPartsClamped(millisParts(value));
  return null;
}

/**
 * Reads an instant as the filter language and the DateTime scalar accept it: an ISO-8601 string with 0–9 fraction
 * digits (microseconds kept, digits beyond them dropped; an offset-less string is UTC), Mongo extended JSON
 * `{"$date": "…" | millis | {"$numberLong": "…"}}`, or a JS `Date`. Null when it is not a valid instant or lies
 * outside 0001–9999 (UTC).
 */
export function parseInstant(value: unknown): Instant | null {
  if (typeof value === "string") {
    // Canonical text (what hubql answers, and what clients that read it send back) needs no parsing, only a
    // check that its fields name a real moment: a bulk ingest parses four per record, twice (guard and execution).
    if (isCanonical(value) && realMoment(value)) return value;
    const utc = pythonUtc(value);
    if (utc) return utc;
    return isoInstant(value.trim(), false);
  }
  if (value instanceof Date) return instantFromDate(value);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== "$date") return null;
    const inner = (value as { $date: unknown }).$date;
    if (typeof inner === "number") return instantFromMillis(inner);
    if (inner !== null && typeof inner === "object" && "$numberLong" in inner) {
      const raw = (inner as { $numberLong: unknown }).$numberLong;
      return typeof raw === "string" && /^-?\d{1,16}$/.test(raw) ? instantFromMillis(Number(raw)) : null;
    }
    return typeof inner === "string" ? parseInstant(inner) : null;
  }
  return null;
}

/** True for text in the canonical form (it may still name a day that does not exist; `parseInstant` checks). */
function isCanonical(text: string): text is Instant {
  return text.length === 27 && CANONICAL.test(text);
}

const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/**
 * Whether canonical text names a moment that exists: month 1–12, a day of that month, hour ≤ 23, minute ≤ 59,
 * second ≤ 59, year ≥ 1. A leap second (`:60`) is not canonical: `isoInstant` carries it into the next minute.
 */
function realMoment(text: Instant): boolean {
  // Digits read in place: a bulk ingest checks four instants per record, twice, and slices made garbage of each.
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    digits(text, 11, 13) <= 23 &&
    digits(text, 14, 16) <= 59 &&
    digits(text, 17, 19) <= 59
  );
}

/** The number the ASCII digits of `text` from `start` to `end` spell (canonical text has digits there). */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, what Python's `isoformat()` writes for a UTC instant with microseconds (every
 * timestamp of an ipyparallel SQLiteDB file): the canonical text with `Z` for the offset, checked as canonical text
 * is, without `isoInstant`'s expression and its ten captures (an import reads four a record). Null otherwise, and
 * `isoInstant` decides.
 */
function pythonUtc(text: string): Instant | null {
  if (text.length !== 32 || !text.endsWith("+00:00")) return null;
  const candidate = `${text.slice(0, 26)}Z`;
  return isCanonical(candidate) && realMoment(candidate) ? candidate : null;
}

/**
 * Postgres' usual output in a UTC session, `2026-11-22 10:00:00[.f…]+00`, rewritten without arithmetic: every
 * instant of a Postgres read passes here (300 per 100-row page of the bench's list). One test of the whole text and
 * one concatenation: 60–150 ns a value, where slicing the parts apart and checking the result took 250–320 ns.
 */
function postgresUtc(text: string): Instant | null {
  if (!POSTGRES_UTC.test(text)) return null;
  // 22 characters without a fraction, 29 with six digits (Postgres drops trailing zeros).
  const n = text.length;
  if (n === 29) return `${text.slice(0, 10)}T${text.slice(11, 26)}Z` as Instant;
  if (n === 22) return `${text.slice(0, 10)}T${text.slice(11, 19)}.000000Z` as Instant;
  return `${text.slice(0, 10)}T${text.slice(11, n - 3)}${"00000".slice(n - 24)}Z` as Instant;
}

const POSTGRES_UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?\+00$/;

/**
 * `YYYY-MM-DD[(T| )HH:MM[:SS[.f{1,9}]]][Z|±HH[[:]MM]]` as an instant; null when invalid. User input must lie in
 * 0001–9999 (UTC); driver output (`lenient`) may also have more year digits, an offset with seconds (Postgres'
 * local mean times) and ` BC`, and is clamped to the range instead.
 */
function isoInstant(text: string, lenient: boolean): Instant | null {
  const match = (lenient ? DRIVER_ISO : INPUT_ISO).exec(text);
  if (!match) return null;
  const [, y = "", mo = "", d = "", h = "00", mi = "00", s = "00", frac = "", zone = "Z", bc] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  const offset = offsetSeconds(zone);
  if (offset === null) return null;
  const digits = frac.length === 6 ? frac : frac.padEnd(6, "0").slice(0, 6);
  if (offset === 0 && s !== "60" && !bc && y.length === 4 && year >= 1) {
    // UTC already (the common case: what SQLiteDB and Postgres write): the text is assembled, no date arithmetic.
    return `${y}-${mo}-${d}T${h}:${mi}:${s}.${digits}Z` as Instant;
  }
  // Before year 1 (driver output only): below the range.
  const parts: Parts = bc
    ? { millis: Number.NEGATIVE_INFINITY, micros: 0 }
    : {
        // The date through Date.parse in its one specified format (four-digit years; years < 100 are not 19xx).
        millis:
          (year > 9999 ? Number.POSITIVE_INFINITY : Date.parse(`${y}-${mo}-${d}T00:00:00.000Z`)) +
          (Number(h) * 3600 + Number(mi) * 60 + Number(s) - offset) * 1000 +
          Number(digits.slice(0, 3)),
        micros: Number(digits.slice(3, 6)),
      };
  return lenient ? fromPartsClamped(parts) : fromParts(parts);
}

const INPUT_ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?()$/;
const DRIVER_ISO =
  /^(\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?( BC)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `Z`, `±HH`, `±HHMM`, `±HH:MM`, `±HH:MM:SS` as seconds east of UTC; null for an impossible offset. */
function offsetSeconds(zone: string): number | null {
  if (zone === "Z" || zone === "z") return 0;
  const digits = zone.slice(1).replace(/:/g, "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || "0");
  const seconds = Number(digits.slice(4, 6) || "0");
  if (hours > 23 || minutes > 59 || seconds > 59) return null;
  return (zone[0] === "-" ? -1 : 1) * (hours * 3600 + minutes * 60 + seconds);
}

function millisParts(millis: number): Parts {
  return { millis: Math.floor(millis), micros: 0 };
}

function toParts(instant: Instant): Parts {
  return { millis: Date.parse(`${instant.slice(0, 23)}Z`), micros: Number(instant.slice(23, 26)) };
}

/** The canonical text, or null outside 0001–9999. */
function fromParts({ millis, micros }: Parts): Instant | null {
  if (!(millis >= MIN_MILLIS && millis <= MAX_MILLIS)) return null;
  return `${new Date(millis).toISOString().slice(0, 23)}${String(micros).padStart(3, "0")}Z` as Instant;
}

function fromPartsClamped(parts: Parts): Instant | null {
  if (Number.isNaN(parts.millis)) return null;
  return fromParts(parts) ?? (parts.millis < MIN_MILLIS ? MIN_INSTANT : MAX_INSTANT);
}
