import type { QueryRunner } from "typeorm";

/**
 * The change-capture triggers of one watched table (docs/subscriptions.md), shared by the migrations that make or
 * remake them. A DELETE's before-image lists the table's columns as they are when the migration runs (SQLite has
 * no row-to-JSON), so **a migration that adds a column to a watched table calls `captureChanges` again** for it;
 * test/subscriptions/capture.test.ts fails otherwise. Names and keys are literals here: history never changes.
 *
 * Each trigger fires only while a gateway holds an unexpired lease in `change_listeners` (a subscriber exists);
 * the first `change_capture.delete_images` deletions between two reads of the log carry their before-image, the
 * rest are logged key-only as bulk (`bulk = 1`).
 */
export async function captureChanges(
  queryRunner: QueryRunner,
  table: string,
  entity: string,
  key: string,
): Promise<void> {
  const columns = (await queryRunner.query(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`)) as {
    name: string;
  }[];
  const image = `json_object(${columns.map(({ name }) => `'${name}', OLD."${name}"`).join(", ")})`;
  const listening = `EXISTS (SELECT 1 FROM "change_listeners" WHERE "expires_at" > ${NOW_MS})`;
  for (const operation of ["insert", "update", "delete"]) {
    await queryRunner.query(`DROP TRIGGER IF EXISTS "change_log_${table}_${operation}"`);
  }
  for (const [operation, kind] of [
    ["insert", "ADDED"],
    ["update", "UPDATED"],
  ] as const) {
    await queryRunner.query(`
      CREATE TRIGGER "change_log_${table}_${operation}" AFTER ${operation.toUpperCase()} ON "${table}"
      WHEN ${listening}
      BEGIN
        INSERT INTO "change_log" ("entity", "kind", "key", "created_at")
        VALUES ('${entity}', '${kind}', CAST(NEW."${key}" AS text), ${NOW_MS});
      END`);
  }
  await queryRunner.query(`
    CREATE TRIGGER "change_log_${table}_delete" AFTER DELETE ON "${table}"
    WHEN ${listening}
    BEGIN
      INSERT INTO "change_log" ("entity", "kind", "key", "before", "bulk", "created_at")
      SELECT '${entity}', 'DELETED', CAST(OLD."${key}" AS text),
             CASE WHEN c."delete_images" > 0 THEN ${image} END,
             CASE WHEN c."delete_images" > 0 THEN NULL ELSE 1 END,
             ${NOW_MS}
      FROM "change_capture" c WHERE c."entity" = '${entity}';
      UPDATE "change_capture" SET "delete_images" = "delete_images" - 1
      WHERE "entity" = '${entity}' AND "delete_images" > 0;
    END`);
}

/** Epoch milliseconds, SQLite's clock (the same within one statement). */
const NOW_MS = `CAST(unixepoch('subsec') * 1000 AS integer)`;
