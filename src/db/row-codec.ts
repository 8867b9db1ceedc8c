import type { Dialect, FieldCatalogue, FieldKind, FieldSpec } from "../filter/types";
import { decodeInstant, decodeJson, encodeInstant, encodeJson } from "./values";

/**
 * Moves rows between SQL and the service layer using the field catalogue's kinds: JSON text ↔ values on SQLite,
 * ISO text ↔ Date, 0/1 ↔ boolean, Postgres bigint strings ↔ numbers. One place, so no service hand-parses a column.
 */
export class RowCodec {
  private readonly byName: ReadonlyMap<string, FieldSpec>;

  constructor(
    readonly catalogue: FieldCatalogue,
    readonly dialect: Dialect,
    private readonly alias = "t",
  ) {
    this.byName = new Map(catalogue.fields.map((field) => [field.name, field]));
  }

  field(name: string): FieldSpec {
    const field = this.byName.get(name);
    if (!field) throw new Error(`no field '${name}' on ${this.catalogue.entity}`);
    return field;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** `t."msg_id"` */
  column(name: string): string {
    return `${this.alias}."${this.field(name).column}"`;
  }

  /** `t."msg_id" AS "msgId", …` for the given properties (all when omitted). */
  selectList(names?: readonly string[]): string {
    const fields = names ? names.map((name) => this.field(name)) : this.catalogue.fields;
    return fields.map((field) => `${this.alias}."${field.column}" AS "${field.name}"`).join(", ");
  }

  decode<T>(raw: Record<string, unknown>): T {
    const row: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      const field = this.byName.get(key);
      row[key] = field ? decodeValue(field.kind, value, this.dialect) : value;
    }
    return row as T;
  }

  encode(name: string, value: unknown): unknown {
    return encodeValue(this.field(name).kind, value, this.dialect);
  }
}

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
      return encodeInstant(value instanceof Date ? value : new Date(value as string), dialect);
    case "boolean":
      return dialect === "sqlite" ? (value ? 1 : 0) : Boolean(value);
    case "integer":
    case "number":
    case "string":
    case "enum":
      return value;
  }
}
