import type { FieldKind } from "./catalogue";
import type { Dialect } from "./dialect";
import { decodeInstant, encodeInstant, type Instant } from "./instant";
import { decodeJson, encodeJson } from "./json";

/**
 * Values between SQL and the service layer by field kind: JSON text ↔ values on SQLite, instants through the
 * instant codec, 0/1 ↔ boolean, Postgres bigint strings ↔ numbers.
 */
export function decodeValue(kind: FieldKind, value: unknown, dialect: Dialect): unknown {
  if (value === null || value === undefined) return null;
  const decode = valueDecoder(kind, dialect);
  return decode ? decode(value) : value;
}

/** A non-null driver value to the service layer's. */
export type ValueDecoder = (value: unknown) => unknown;

/**
 * How `decodeValue` reads a non-null value of `kind`, or null where the driver's value is already the service's
 * (text, enums, and JSON on Postgres: node-pg hands `jsonb` over parsed, a JSON string scalar as a bare JS string).
 * Row decoders look this up once per column rather than once per value.
 */
export function valueDecoder(kind: FieldKind, dialect: Dialect): ValueDecoder | null {
  switch (kind) {
    case "json":
      return dialect === "postgres" ? null : decodeJson;
    case "datetime":
      return decodeInstant;
    case "boolean":
      return decodeBoolean;
    case "integer":
    case "number":
      return decodeNumber;
    case "string":
    case "enum":
      return null;
  }
}

function decodeBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === "t" || value === "true";
}

function decodeNumber(value: unknown): unknown {
  return typeof value === "string" ? Number(value) : value;
}

export function encodeValue(kind: FieldKind, value: unknown, dialect: Dialect): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "json":
      return encodeJson(value);
    case "datetime":
      return encodeInstant(decodeInstant(value) as Instant, dialect);
    case "boolean":
      return dialect === "sqlite" ? (value ? 1 : 0) : Boolean(value);
    case "integer":
    case "number":
    case "string":
    case "enum":
      return value;
  }
}
