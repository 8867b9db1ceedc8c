import type { Executor } from "../../db/database";
import { query, run, storeNowMs, TABLES } from "../sql";
import type { LoggedChange } from "./change.model";

/**
 * The change log's SQL (the table and its triggers: migrations/<dialect>/change-capture.ts). Reads are by id on
 * SQLite — one writer at a time, so id order is commit order — and by committing transaction on Postgres, whose
 * commit notification names the transaction.
 */

/** Log rows read per statement: bounds the feed's memory per pass whatever the size of a write. */
export const LOG_PAGE = 500;

const COLUMNS = `"id", "entity", "kind", "key", "before", "bulk"`;

/** SQLite: the next rows after `after`, in commit order. */
export async function readAfter(db: Executor, after: number): Promise<LoggedChange[]> {
  const rows = await query<RawChange>(
    db,
    (q) => `SELECT ${COLUMNS} FROM "${TABLES.changeLog}" WHERE "id" > ${q.bind(after)} ORDER BY "id" LIMIT ${LOG_PAGE}`,
  );
  return rows.map(decode);
}

/** Postgres: rows of committed transactions `txs`, after id `after`, in id order (per key, the commit order). */
export async function readTransactions(db: Executor, txs: readonly string[], after: number): Promise<LoggedChange[]> {
  const rows = await query<RawChange>(
    db,
    (q) =>
      `SELECT ${COLUMNS} FROM "${TABLES.changeLog}" WHERE "tx" IN (${q.list(txs.map(Number))}) AND "id" > ${q.bind(after)} ORDER BY "id" LIMIT ${LOG_PAGE}`,
  );
  return rows.map(decode);
}

/** The newest id: a SQLite reader starts after it (changes before a subscription are not its business). */
export async function lastId(db: Executor): Promise<number> {
  const rows = await query<{ id: number | string | null }>(
    db,
    () => `SELECT MAX("id") AS "id" FROM "${TABLES.changeLog}"`,
  );
  return Number(rows[0]?.id ?? 0);
}

/** Takes or renews this gateway's lease: capture stays on for `ttlMs` of the store's clock. */
export async function renewLease(db: Executor, listener: string, ttlMs: number): Promise<void> {
  await run(
    db,
    (q) => `INSERT INTO "${TABLES.changeListeners}" ("listener", "expires_at")
      VALUES (${q.bind(listener)}, ${storeNowMs(db.dialect)} + ${q.bind(ttlMs)})
      ON CONFLICT ("listener") DO UPDATE SET "expires_at" = excluded."expires_at"`,
  );
  // Leases of gateways that died without releasing theirs.
  await run(db, () => `DELETE FROM "${TABLES.changeListeners}" WHERE "expires_at" < ${storeNowMs(db.dialect)}`);
}

export async function releaseLease(db: Executor, listener: string): Promise<void> {
  await run(db, (q) => `DELETE FROM "${TABLES.changeListeners}" WHERE "listener" = ${q.bind(listener)}`);
}

/** Sets every entity's before-image budget (Postgres: per statement; SQLite: refilled after each read). */
export async function setDeleteImages(db: Executor, images: number): Promise<void> {
  await run(
    db,
    (q) =>
      `UPDATE "${TABLES.changeCapture}" SET "delete_images" = ${q.bind(images)} WHERE "delete_images" <> ${q.bind(images)}`,
  );
}

/** Drops log rows older than `ageMs`: every reader has long read them (a reader that has not lost them anyway). */
export async function prune(db: Executor, ageMs: number): Promise<number> {
  const result = await run(
    db,
    (q) => `DELETE FROM "${TABLES.changeLog}" WHERE "created_at" < ${storeNowMs(db.dialect)} - ${q.bind(ageMs)}`,
  );
  return result.affected;
}

interface RawChange {
  id: number | string;
  entity: string;
  kind: string;
  key: string | null;
  before: unknown;
  bulk: number | string | null;
}

function decode(row: RawChange): LoggedChange {
  return {
    id: Number(row.id),
    entity: row.entity as LoggedChange["entity"],
    kind: row.kind as LoggedChange["kind"],
    key: row.key,
    before: row.before,
    bulk: row.bulk === null ? null : Number(row.bulk),
  };
}
