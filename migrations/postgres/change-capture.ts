import type { QueryRunner } from "typeorm";

/** The channel a committing transaction notifies, with its transaction id as the payload. */
export const CHANGE_CHANNEL = "hubql_changes";

/**
 * The change-capture trigger of one watched table (docs/subscriptions.md), shared by the migrations that make or
 * remake it. Statement-level, over transition tables: one set-based INSERT per statement, whatever its size.
 *
 * - Nothing is captured unless a gateway holds an unexpired lease in `change_listeners` (a subscriber exists).
 * - ADDED and UPDATED log keys only: readers evaluate filters on the current row.
 * - DELETED logs `to_jsonb(row)` (every column, whatever later migrations add) while the statement deletes at most
 *   `change_capture.delete_images` rows; a larger delete is one bulk row with its count.
 * - `pg_notify(CHANGE_CHANNEL, <transaction id>)`: Postgres delivers it on commit only, once per transaction
 *   (equal payloads fold), in commit order, to every gateway's listener.
 */
export async function captureChanges(
  queryRunner: QueryRunner,
  table: string,
  entity: string,
  key: string,
): Promise<void> {
  const fn = `change_log_capture_${table}`;
  await queryRunner.query(`
    CREATE OR REPLACE FUNCTION "${fn}"() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      logged bigint;
      deleted bigint;
      images integer;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM "change_listeners" WHERE "expires_at" > ${NOW_MS}) THEN
        RETURN NULL;
      END IF;
      IF TG_OP = 'DELETE' THEN
        SELECT count(*) INTO deleted FROM changed;
        SELECT "delete_images" INTO images FROM "change_capture" WHERE "entity" = '${entity}';
        IF deleted = 0 THEN
          RETURN NULL;
        ELSIF deleted > coalesce(images, 0) THEN
          INSERT INTO "change_log" ("tx", "entity", "kind", "bulk", "created_at")
          VALUES (${TX}, '${entity}', 'DELETED', deleted, ${NOW_MS});
          logged := 1;
        ELSE
          INSERT INTO "change_log" ("tx", "entity", "kind", "key", "before", "created_at")
          SELECT ${TX}, '${entity}', 'DELETED', c."${key}"::text, to_jsonb(c), ${NOW_MS} FROM changed c;
          GET DIAGNOSTICS logged = ROW_COUNT;
        END IF;
      ELSE
        INSERT INTO "change_log" ("tx", "entity", "kind", "key", "created_at")
        SELECT ${TX}, '${entity}', CASE TG_OP WHEN 'INSERT' THEN 'ADDED' ELSE 'UPDATED' END, c."${key}"::text, ${NOW_MS}
        FROM changed c;
        GET DIAGNOSTICS logged = ROW_COUNT;
      END IF;
      IF logged > 0 THEN
        PERFORM pg_notify('${CHANGE_CHANNEL}', ${TX}::text);
      END IF;
      RETURN NULL;
    END $$`);
  const transition: Record<string, string> = { insert: "NEW", update: "NEW", delete: "OLD" };
  for (const [operation, side] of Object.entries(transition)) {
    await queryRunner.query(`DROP TRIGGER IF EXISTS "change_log_${table}_${operation}" ON "${table}"`);
    await queryRunner.query(`
      CREATE TRIGGER "change_log_${table}_${operation}" AFTER ${operation.toUpperCase()} ON "${table}"
      REFERENCING ${side} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "${fn}"()`);
  }
}

/** Epoch milliseconds at the transaction's start (`now()`). */
const NOW_MS = `floor(extract(epoch FROM now()) * 1000)::bigint`;
/** The writing transaction's id, what the commit notification names. */
const TX = `pg_current_xact_id()::text::bigint`;
