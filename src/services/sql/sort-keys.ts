import type { Dialect, FieldKind } from "../../dialect";
import type { RowCodec } from "../../db/row-codec";
import { badInput } from "../../errors";

/**
 * One sort key of a list. Every order ends with a unique key, nulls sort first ascending and last descending on
 * both dialects (Mongo's "null is lowest"), and NOT NULL columns (from the catalogue) need no NULLS clause.
 */
export interface SortKey {
  /** Column expression, already qualified (`t."submitted"`); never user text. */
  readonly column: string;
  /** Property name the value is read from on a row. */
  readonly property: string;
  readonly kind: FieldKind;
  readonly descending: boolean;
  readonly nullable: boolean;
}

export interface SortOrder {
  readonly property: string;
  readonly descending: boolean;
  /** How the caller named it (the GraphQL enum value), for messages; the property by default. */
  readonly label?: string;
}

/** The asked order, then `unique` as the final tie-breaker (so keyset pages never skip or repeat a row). */
export function sortKeys(
  codec: RowCodec,
  order: readonly SortOrder[],
  unique: { readonly property: string; readonly descending?: boolean },
): SortKey[] {
  const keys: SortKey[] = [];
  for (const { property, descending, label } of order) {
    if (keys.some((key) => key.property === property)) {
      throw badInput(`orderBy names ${label ?? property} twice`, "orderBy");
    }
    keys.push(sortKey(codec, property, descending));
  }
  if (!keys.some((key) => key.property === unique.property)) {
    keys.push({ ...sortKey(codec, unique.property, unique.descending ?? false), nullable: false });
  }
  return keys;
}

function sortKey(codec: RowCodec, property: string, descending: boolean): SortKey {
  const field = codec.field(property);
  return { column: codec.column(property), property, kind: field.kind, descending, nullable: field.nullable !== false };
}

/** The ORDER BY of `keys`, over their columns, or over what `column` names (a merged page's output columns). */
export function orderByClause(
  keys: readonly SortKey[],
  dialect: Dialect,
  column: (key: SortKey) => string = (key) => key.column,
): string {
  return keys
    .map((key) => {
      const direction = key.descending ? "DESC" : "ASC";
      const nulls = key.nullable ? (key.descending ? " NULLS LAST" : " NULLS FIRST") : "";
      return `${column(key)}${collate(key, dialect)} ${direction}${nulls}`;
    })
    .join(", ");
}

/**
 * Postgres text order follows the database's locale; `COLLATE "C"` makes it byte-wise, as SQLite's (BINARY) and
 * Mongo's are. ORDER BY and the keyset comparison must use the same collation or pages skip rows.
 */
export function collate(key: SortKey, dialect: Dialect): string {
  return dialect === "postgres" && key.kind === "string" ? ' COLLATE "C"' : "";
}
