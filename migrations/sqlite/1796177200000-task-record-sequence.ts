import type { MigrationInterface, QueryRunner } from "typeorm";

import { captureChanges } from "./change-capture";

/**
 * Task records get the Hub's order and what the importer needs to converge (issue 15):
 * - `seq`, the insertion sequence: the Hub answers `find_records` in insertion order and breaks ties in
 *   `submitted` by it. It becomes the table's INTEGER PRIMARY KEY AUTOINCREMENT (SQLite's rowid itself, never
 *   reused, never renumbered by VACUUM); `msg_id` stays unique. Existing rows are numbered in rowid order, which
 *   is the order they were inserted in.
 * - `import_fingerprint`: a hash of what `import-ipython` last wrote to the record (null for records it did not
 *   write), so a re-import knows whether the record changed in hubql since.
 * - The instant indexes break ties by `seq` (the order lists use) instead of `msg_id`.
 *
 * SQLite cannot change a primary key in place: the table is rebuilt (copied in rowid order, then renamed), and its
 * change-capture triggers (subscriptions) are made again, their before-images naming the new columns.
 */
export class TaskRecordSequence1796177200000 implements MigrationInterface {
  name = "TaskRecordSequence1796177200000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "task_records_next" (
        "msg_id" text NOT NULL, ${RECORD_COLUMNS},
        "seq" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "import_fingerprint" text,
        CONSTRAINT "uq_task_records_msg_id" UNIQUE ("msg_id")
      )`);
    await queryRunner.query(
      `INSERT INTO "task_records_next" (${COLUMNS}) SELECT ${COLUMNS} FROM "task_records" ORDER BY rowid`,
    );
    await queryRunner.query(`DROP TABLE "task_records"`);
    await queryRunner.query(`ALTER TABLE "task_records_next" RENAME TO "task_records"`);
    for (const [name, columns] of TASK_RECORD_INDEXES) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "task_records" (${columns})`);
    }
    await captureChanges(queryRunner, "task_records", "TaskRecord", "msg_id");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "task_records_previous" ("msg_id" text PRIMARY KEY NOT NULL, ${RECORD_COLUMNS})`);
    await queryRunner.query(
      `INSERT INTO "task_records_previous" (${COLUMNS}) SELECT ${COLUMNS} FROM "task_records" ORDER BY "seq"`,
    );
    await queryRunner.query(`DROP TABLE "task_records"`);
    await queryRunner.query(`ALTER TABLE "task_records_previous" RENAME TO "task_records"`);
    for (const [name, columns] of PREVIOUS_INDEXES) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "task_records" (${columns})`);
    }
    await captureChanges(queryRunner, "task_records", "TaskRecord", "msg_id");
  }
}

/** Every column but msg_id and the new ones, as the table had them. */
const RECORD_COLUMNS = `
  "header" json, "metadata" json, "content" json, "buffers" json,
  "submitted" datetime, "client_uuid" text, "engine_uuid" text,
  "started" datetime, "completed" datetime, "resubmitted" text, "received" datetime,
  "result_header" json, "result_metadata" json, "result_content" json, "result_buffers" json,
  "queue" text, "execute_input" text, "execute_result" json, "error" json,
  "stdout" text, "stderr" text, "label" text,
  "resubmitted_from" text,
  "buffer_bytes" integer NOT NULL DEFAULT (0)`;

const COLUMNS = [
  "msg_id",
  "header",
  "metadata",
  "content",
  "buffers",
  "submitted",
  "client_uuid",
  "engine_uuid",
  "started",
  "completed",
  "resubmitted",
  "received",
  "result_header",
  "result_metadata",
  "result_content",
  "result_buffers",
  "queue",
  "execute_input",
  "execute_result",
  "error",
  "stdout",
  "stderr",
  "label",
  "resubmitted_from",
  "buffer_bytes",
]
  .map((column) => `"${column}"`)
  .join(", ");

const SHARED_INDEXES: readonly (readonly [string, string])[] = [
  ["idx_task_records_client_uuid", `"client_uuid"`],
  ["idx_task_records_engine_uuid", `"engine_uuid"`],
  ["idx_task_records_queue", `"queue"`],
  ["idx_task_records_resubmitted", `"resubmitted"`],
  ["idx_task_records_resubmitted_from", `"resubmitted_from"`],
];

const TASK_RECORD_INDEXES: readonly (readonly [string, string])[] = [
  ["idx_task_records_submitted", `"submitted", "seq"`],
  ["idx_task_records_started", `"started", "seq"`],
  ["idx_task_records_completed", `"completed", "seq"`],
  ...SHARED_INDEXES,
];

const PREVIOUS_INDEXES: readonly (readonly [string, string])[] = [
  ["idx_task_records_submitted", `"submitted", "msg_id"`],
  ["idx_task_records_started", `"started", "msg_id"`],
  ["idx_task_records_completed", `"completed", "msg_id"`],
  ...SHARED_INDEXES,
];
