import { rowsByKey } from "../rows-by-key";
import type { Executor } from "../../db/database";
import type { RowCodec } from "../../db/row-codec";
import { badInput } from "../../errors";

/**
 * `"exe_num" AS "exeNum", …` without a table alias, for `RETURNING` (an INSERT/UPDATE target has no alias on SQLite).
 */
export function returningList(codec: RowCodec, names?: readonly string[]): string {
  const fields = names ? names.map((name) => codec.field(name)) : codec.catalogue.fields;
  return fields.map((field) => `"${field.column}" AS "${field.name}"`).join(", ");
}

/** Rows per INSERT: ≤ 20 columns × 400 rows stays far below both dialects' bound-parameter limits. */
const INSERT_CHUNK = 400;

/** Inserts rows (properties → encoded values) in chunks; returns the stored rows, decoded, in insert order. */
export async function insertRows<T>(
  db: Executor,
  table: string,
  codec: RowCodec,
  properties: readonly string[],
  rows: readonly Record<string, unknown>[],
): Promise<T[]> {
  const columns = properties.map((property) => `"${codec.field(property).column}"`).join(", ");
  const stored: T[] = [];
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const params: Record<string, unknown> = {};
    const values = rows.slice(start, start + INSERT_CHUNK).map((row, r) => {
      const placeholders = properties.map((property, c) => {
        params[`r${r}c${c}`] = codec.encode(property, row[property]);
        return `:r${r}c${c}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    const inserted = await db.query(
      `INSERT INTO "${table}" (${columns}) VALUES ${values.join(", ")} RETURNING ${returningList(codec)}`,
      params,
    );
    // RETURNING order is not promised; ids grow with insert order on both dialects.
    inserted.sort((a, b) => Number(a["id"]) - Number(b["id"]));
    stored.push(...inserted.map((row) => codec.decode<T>(row)));
  }
  return stored;
}

/** Postgres keeps no NUL character (U+0000) in text or jsonb; refuse it up front instead of failing in the driver. */
export function assertStorable(value: unknown, argument: string): void {
  const holdsNul = (item: unknown): boolean =>
    typeof item === "string"
      ? item.includes("\u0000")
      : item !== null && typeof item === "object"
        ? Object.entries(item).some(([key, inner]) => key.includes("\u0000") || holdsNul(inner))
        : false;
  if (holdsNul(value)) throw badInput(`${argument} must not contain the NUL character (U+0000)`, argument);
}

/** Rows by integer id in the order asked (null where unknown), in one statement. */
export function rowsById<T extends { id: number }>(
  db: Executor,
  table: string,
  codec: RowCodec,
  ids: readonly number[],
): Promise<(T | null)[]> {
  return rowsByKey<T, number>(db, { table, codec, property: "id", keys: ids });
}
