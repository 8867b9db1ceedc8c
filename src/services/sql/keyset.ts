import { type Dialect, encodeInstant, type Instant } from "../../dialect";
import { type Condition, type SqlParams, sqlCondition } from "./condition";
import { collate, type SortKey } from "./sort-keys";

type Sql = (q: SqlParams) => string;

/**
 * Where the page after a cursor goes on, as index ranges ("arms"): every row after the cursor is in exactly one
 * arm, and each arm starts with a condition an index on the sort keys seeks to. The keys of one direction at the
 * front of the order compare as a row value, `(k1, k2) > (v1, v2)`, which both engines seek to; the OR chain this
 * replaces (`k1 > v1 OR (k1 = v1 AND k2 > v2)`) made both scan the index from its start and filter: page 2 of
 * 100,000 task records took 9.7 ms on SQLite and 3.7 ms on Postgres, against 0.26 and 0.05 ms now (measured).
 *
 * Where the direction changes (`submitted DESC` is tied by `msgId ASC`), the front keys seek inclusively and the
 * exact condition filters their tie group: `(k1) <= (v1) AND (k1 < v1 OR <the rest, exactly>)` — the range page 1
 * reads, entered at the cursor.
 *
 * Nulls sort first ascending and last descending (sort-keys.ts). An ascending front may hold nullable keys (a null
 * compares as unknown and falls out, as it must: it sorts before any value); a descending one may not (its nulls
 * come after the cursor): a nullable descending key ends the front, and its null group is an arm of its own. A null
 * cursor value is matched with IS NULL; ascending, the non-null rows after it are one more arm.
 */
export function keysetArms(keys: readonly SortKey[], values: readonly unknown[], dialect: Dialect): Condition[] {
  return arms(keys, values, dialect, 0, []).map((parts) =>
    sqlCondition((q) => parts.map((part) => part(q)).join(" AND ")),
  );
}

/** The arms for the keys from `i`, inside the group `prefix` (equalities on the keys before) fixes. */
function arms(
  keys: readonly SortKey[],
  values: readonly unknown[],
  dialect: Dialect,
  i: number,
  prefix: Sql[],
): Sql[][] {
  const key = keys[i];
  if (!key) return []; // equal on every key including the unique one: the cursor's own row, not after it
  const column = key.column;
  if (values[i] === null || values[i] === undefined) {
    const inGroup = arms(keys, values, dialect, i + 1, [...prefix, () => `${column} IS NULL`]);
    return key.descending ? inGroup : [...inGroup, [...prefix, () => `${column} IS NOT NULL`]];
  }
  const front = frontFrom(keys, values, i);
  const bounds = values.slice(i, i + front.length);
  const rest = i + front.length;
  const seek: Sql[] =
    rest === keys.length
      ? [(q) => compare(front, bounds, "strict", dialect, q)]
      : [
          (q) => compare(front, bounds, "inclusive", dialect, q),
          (q) => `(${compare(front, bounds, "strict", dialect, q)} OR ${exactAfter(keys, values, dialect, rest, q)})`,
        ];
  const nullGroup: Sql[][] = key.descending && key.nullable ? [[...prefix, () => `${column} IS NULL`]] : [];
  return [[...prefix, ...seek], ...nullGroup];
}

/** The keys from `start` that one row-value comparison covers (see keysetArms). */
function frontFrom(keys: readonly SortKey[], values: readonly unknown[], start: number): SortKey[] {
  const first = keys[start] as SortKey;
  const front = [first];
  for (let j = start + 1; j < keys.length; j++) {
    const key = keys[j] as SortKey;
    const value = values[j];
    if (key.descending !== first.descending || value === null || value === undefined) break;
    if (key.descending && key.nullable) break;
    front.push(key);
  }
  return front;
}

function compare(
  front: readonly SortKey[],
  values: readonly unknown[],
  kind: "strict" | "inclusive",
  dialect: Dialect,
  q: SqlParams,
): string {
  const op = (front[0]?.descending ? "<" : ">") + (kind === "inclusive" ? "=" : "");
  const columns = front.map((key) => `${key.column}${collate(key, dialect)}`);
  const bound = front.map((key, i) => bindKey(key, values[i], dialect, q));
  return front.length === 1 ? `${columns[0]} ${op} ${bound[0]}` : `(${columns.join(", ")}) ${op} (${bound.join(", ")})`;
}

/**
 * "After the cursor" on the keys from `i`, exactly, as nested ORs with the null cases spelled out:
 * k1 > v1 OR (k1 = v1 AND (k2 > v2 OR (k2 = v2 AND …))). A filter inside a seek's tie group, never a seek itself.
 */
function exactAfter(
  keys: readonly SortKey[],
  values: readonly unknown[],
  dialect: Dialect,
  i: number,
  q: SqlParams,
): string {
  const key = keys[i];
  if (!key) return "1=0";
  const raw = values[i];
  const rest = () => exactAfter(keys, values, dialect, i + 1, q);
  if (raw === null || raw === undefined) {
    // Null is first ascending: everything non-null is after it. Null is last descending: only nulls follow.
    return key.descending
      ? `(${key.column} IS NULL AND ${rest()})`
      : `(${key.column} IS NOT NULL OR (${key.column} IS NULL AND ${rest()}))`;
  }
  const bound = bindKey(key, raw, dialect, q);
  const op = key.descending ? "<" : ">";
  const beyond = key.descending && key.nullable ? ` OR ${key.column} IS NULL` : "";
  return `(${key.column}${collate(key, dialect)} ${op} ${bound}${beyond} OR (${key.column} = ${bound} AND ${rest()}))`;
}

/** A cursor's value as a parameter: decodeCursor checked that an instant is canonical text already. */
function bindKey(key: SortKey, value: unknown, dialect: Dialect, q: SqlParams): string {
  return q.bind(key.kind === "datetime" ? encodeInstant(value as Instant, dialect) : value);
}
