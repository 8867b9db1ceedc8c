import type { Executor } from "../db/database";
import type { RowCodec } from "../db/row-codec";

export interface RowsByKey<K extends string | number> {
  /** The table, aliased `t`. */
  readonly table: string;
  readonly codec: RowCodec;
  /** The (unique) property the keys name, e.g. `msgId`, `uuid`, `id`. */
  readonly property: string;
  readonly keys: readonly K[];
  /** Properties to read (must include `property`); every field of the codec when omitted. */
  readonly fields?: readonly string[];
}

/**
 * Rows for the keys asked, in that order, null where none: one `IN (…)` statement for any number of keys. What
 * DataLoaders and federation `_entities` call, so a list of references never costs a statement per reference.
 */
export async function rowsByKey<T extends object, K extends string | number>(
  db: Executor,
  lookup: RowsByKey<K>,
): Promise<(T | null)[]> {
  if (lookup.keys.length === 0) return [];
  const rows = await db.query(
    `SELECT ${lookup.codec.selectList(lookup.fields)} FROM "${lookup.table}" t
     WHERE ${lookup.codec.column(lookup.property)} IN (:...keys)`,
    { keys: [...new Set(lookup.keys)] },
  );
  const byKey = new Map<string, T>();
  for (const row of rows) byKey.set(String(row[lookup.property]), lookup.codec.decode<T>(row));
  return lookup.keys.map((key) => byKey.get(String(key)) ?? null);
}
