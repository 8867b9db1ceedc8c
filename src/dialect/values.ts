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
  switch (kind) {
    case "json":
      // node-pg hands jsonb over parsed (a JSON string scalar arrives as a bare JS string); SQLite gives text.
      return dialect === "postgres" ? value : decodeJson(value);
    case "datetime":
      return decodeInstant(value);
    case "boolean":
      return value === true || value === 1 || value === "1" || value === "t" || value === "true";
    case "integer":
    case "number":
      return typeof value === "string" ? Number(value) : value;
    case "string":
    case "enum":
      return value;
  }
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
