import type { MigrationInterface, QueryRunner } from "typeorm";

import { captureChanges } from "./change-capture";

/**
 * The change log behind GraphQL subscriptions (docs/subscriptions.md): the log, the listeners' leases, the
 * per-entity before-image budget, and capture triggers on task records, jobs, flows and queue entries.
 */
export class ChangeLog1764000000000 implements MigrationInterface {
  name = "ChangeLog1764000000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "change_log" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "tx" integer,
        "entity" text NOT NULL,
        "kind" text NOT NULL,
        "key" text,
        "before" json,
        "bulk" integer,
        "created_at" integer NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "idx_change_log_tx" ON "change_log" ("tx")`);
    await queryRunner.query(`CREATE INDEX "idx_change_log_created_at" ON "change_log" ("created_at")`);
    await queryRunner.query(`
      CREATE TABLE "change_listeners" ("listener" text PRIMARY KEY NOT NULL, "expires_at" integer NOT NULL)`);
    await queryRunner.query(`
      CREATE TABLE "change_capture" ("entity" text PRIMARY KEY NOT NULL, "delete_images" integer NOT NULL)`);
    await queryRunner.query(`
      INSERT INTO "change_capture" ("entity", "delete_images")
      VALUES ('TaskRecord', 100), ('Job', 100), ('Flow', 100), ('QueueEntry', 100)`);
    await captureChanges(queryRunner, "task_records", "TaskRecord", "msg_id");
    await captureChanges(queryRunner, "jobs", "Job", "db_id");
    await captureChanges(queryRunner, "flows", "Flow", "uuid");
    await captureChanges(queryRunner, "scale_queue", "QueueEntry", "id");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ["task_records", "jobs", "flows", "scale_queue"]) {
      for (const operation of ["insert", "update", "delete"]) {
        await queryRunner.query(`DROP TRIGGER IF EXISTS "change_log_${table}_${operation}"`);
      }
    }
    await queryRunner.query(`DROP TABLE "change_capture"`);
    await queryRunner.query(`DROP TABLE "change_listeners"`);
    await queryRunner.query(`DROP TABLE "change_log"`);
  }
}
