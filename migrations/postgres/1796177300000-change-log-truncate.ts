import type { MigrationInterface, QueryRunner } from "typeorm";

import { CHANGE_CHANNEL } from "./change-capture";

/** The watched tables and their entities (as in ChangeLog1764000000000). */
const WATCHED: readonly (readonly [table: string, entity: string])[] = [
  ["task_records", "TaskRecord"],
  ["jobs", "Job"],
  ["flows", "Flow"],
  ["scale_queue", "QueueEntry"],
];

/**
 * A TRUNCATE is a bulk deletion for subscribers too. Row and statement DELETE triggers do not fire on TRUNCATE,
 * which `purgeTaskRecords(all: true)` uses when nothing is kept (1M records in milliseconds instead of a DELETE's
 * seconds): without this, subscribers would never hear of it. BEFORE the truncation, while the rows can still be
 * counted (only while a gateway listens: a count of 1M rows is ~50 ms), one bulk row is logged and the commit
 * notified, as the DELETE trigger does for a delete past its before-image budget.
 */
export class ChangeLogTruncate1796177300000 implements MigrationInterface {
  name = "ChangeLogTruncate1796177300000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "change_log_capture_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        deleted bigint;
        now_ms bigint := floor(extract(epoch FROM now()) * 1000)::bigint;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM "change_listeners" WHERE "expires_at" > now_ms) THEN
          RETURN NULL;
        END IF;
        EXECUTE format('SELECT count(*) FROM %I', TG_TABLE_NAME) INTO deleted;
        IF deleted > 0 THEN
          INSERT INTO "change_log" ("tx", "entity", "kind", "bulk", "created_at")
          VALUES (pg_current_xact_id()::text::bigint, TG_ARGV[0], 'DELETED', deleted, now_ms);
          PERFORM pg_notify('${CHANGE_CHANNEL}', pg_current_xact_id()::text);
        END IF;
        RETURN NULL;
      END $$`);
    for (const [table, entity] of WATCHED) {
      await queryRunner.query(`
        CREATE TRIGGER "change_log_${table}_truncate" BEFORE TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION "change_log_capture_truncate"('${entity}')`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table] of WATCHED) {
      await queryRunner.query(`DROP TRIGGER IF EXISTS "change_log_${table}_truncate" ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION IF EXISTS "change_log_capture_truncate"()`);
  }
}
