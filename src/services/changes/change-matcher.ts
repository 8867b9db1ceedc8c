import type { Executor } from "../../db/database";
import { type Condition, query, type SqlParams } from "../sql";
import type { WatchedEntity } from "./change.model";

/**
 * Decides which subscriptions a change reaches by running the list's own compiled filter condition — the same
 * `Condition` over the table aliased `t` that `taskRecords(filter)`, `jobs(filter)`, `flows(filter)` and
 * `queue(filter)` use — against the changed rows: the current rows for ADDED/UPDATED, the captured before-images
 * for DELETED. No second matcher: list and subscription cannot disagree. One statement per batch of keys for up to
 * CONDITIONS_PER_STATEMENT distinct filters (subscribers with equal filters share one condition).
 */
export const CONDITIONS_PER_STATEMENT = 50;

/** For each key still present, which conditions its current row satisfies (keys of rows gone since: absent). */
export async function matchCurrentRows(
  db: Executor,
  watched: WatchedEntity,
  keys: readonly string[],
  conditions: readonly Condition[],
): Promise<Map<string, boolean[]>> {
  const matches = new Map<string, boolean[]>();
  if (keys.length === 0) return matches;
  const bound = watched.numericKey ? keys.map(Number) : keys;
  for (const [offset, chunk] of chunks(conditions)) {
    const rows = await query<Record<string, unknown>>(
      db,
      (q) =>
        `SELECT t."${watched.keyColumn}" AS "key", ${flags(q, chunk)} FROM "${watched.table}" t WHERE t."${watched.keyColumn}" IN (${q.list(bound)})`,
    );
    for (const row of rows) record(matches, String(row["key"]), row, offset, chunk.length, conditions.length);
  }
  return matches;
}

/**
 * For each before-image (in order), which conditions the deleted row satisfied. The images are turned back into
 * a row of the table's own column types — Postgres `jsonb_populate_record(NULL::table, image)`; SQLite, whose
 * columns are what their values are, `json_extract` per column — and the condition runs on that row as `t`.
 */
export async function matchImages(
  db: Executor,
  watched: WatchedEntity,
  images: readonly unknown[],
  conditions: readonly Condition[],
): Promise<boolean[][]> {
  const matches = new Map<string, boolean[]>();
  if (images.length === 0) return [];
  for (const [offset, chunk] of chunks(conditions)) {
    const rows = await query<Record<string, unknown>>(
      db,
      (q) => `WITH t AS (${imageRows(db, watched, images, q)}) SELECT t."__ord" AS "key", ${flags(q, chunk)} FROM t`,
    );
    for (const row of rows) record(matches, String(Number(row["key"])), row, offset, chunk.length, conditions.length);
  }
  const base = db.dialect === "postgres" ? 1 : 0; // WITH ORDINALITY counts from 1, json_each's key from 0
  return images.map((_, index) => matches.get(String(index + base)) ?? conditions.map(() => false));
}

function imageRows(db: Executor, watched: WatchedEntity, images: readonly unknown[], q: SqlParams): string {
  if (db.dialect === "postgres") {
    const array = q.bind(JSON.stringify(images));
    return `SELECT b.ord AS "__ord", r.* FROM jsonb_array_elements(CAST(${array} AS jsonb)) WITH ORDINALITY b(img, ord), jsonb_populate_record(NULL::"${watched.table}", b.img) r`;
  }
  // SQLite's log holds each image as JSON text; the array is spliced from them, unparsed.
  const array = q.bind(
    `[${images.map((image) => (typeof image === "string" ? image : JSON.stringify(image))).join(",")}]`,
  );
  const columns = watched.catalogue.fields.map(
    (field) => `json_extract(b.value, '$."${field.column}"') AS "${field.column}"`,
  );
  return `SELECT b.key AS "__ord", ${columns.join(", ")} FROM json_each(${array}) b`;
}

/** `CASE WHEN (<condition>) THEN 1 ELSE 0 END AS "m<i>"`: NULL (unknown) is no match, as in a WHERE clause. */
function flags(q: SqlParams, conditions: readonly Condition[]): string {
  return conditions.map((condition, i) => `CASE WHEN (${condition.toSql(q)}) THEN 1 ELSE 0 END AS "m${i}"`).join(", ");
}

function record(
  matches: Map<string, boolean[]>,
  key: string,
  row: Record<string, unknown>,
  offset: number,
  count: number,
  total: number,
): void {
  let flagsOfKey = matches.get(key);
  if (!flagsOfKey) matches.set(key, (flagsOfKey = new Array<boolean>(total).fill(false)));
  for (let i = 0; i < count; i++) flagsOfKey[offset + i] = Number(row[`m${i}`]) === 1;
}

function* chunks(conditions: readonly Condition[]): Generator<[number, readonly Condition[]]> {
  for (let offset = 0; offset < conditions.length; offset += CONDITIONS_PER_STATEMENT) {
    yield [offset, conditions.slice(offset, offset + CONDITIONS_PER_STATEMENT)];
  }
}
