import type { MigrationInterface, QueryRunner } from "typeorm";

/** The IPython task-record table (ipython-hub.md §2) and the indexes people filter and sort on. */
export class TaskRecords1763800000000 implements MigrationInterface {
  name = "TaskRecords1763800000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "task_records" (
        "msg_id" text PRIMARY KEY NOT NULL,
        "header" jsonb, "metadata" jsonb, "content" jsonb, "buffers" jsonb,
        "submitted" timestamptz, "client_uuid" text, "engine_uuid" text,
        "started" timestamptz, "completed" timestamptz, "resubmitted" text, "received" timestamptz,
        "result_header" jsonb, "result_metadata" jsonb, "result_content" jsonb, "result_buffers" jsonb,
        "queue" text, "execute_input" text, "execute_result" jsonb, "error" jsonb,
        "stdout" text, "stderr" text, "label" text,
        "resubmitted_from" text,
        "buffer_bytes" bigint NOT NULL DEFAULT 0
      )`);
    for (const [name, columns] of POSTGRES_TASK_RECORD_INDEXES) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "task_records" (${columns})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "task_records"`);
  }
}

/**
 * Lists sort ascending with nulls first and descending with nulls last, and compare text byte-wise (`COLLATE "C"`,
 * src/services/pagination.ts); indexes built the same way serve those orders directly, forwards and backwards.
 */
const POSTGRES_TASK_RECORD_INDEXES: readonly (readonly [string, string])[] = [
  ["idx_task_records_submitted", `"submitted" NULLS FIRST, "msg_id" COLLATE "C"`],
  ["idx_task_records_started", `"started" NULLS FIRST, "msg_id" COLLATE "C"`],
  ["idx_task_records_completed", `"completed" NULLS FIRST, "msg_id" COLLATE "C"`],
  ["idx_task_records_client_uuid", `"client_uuid"`],
  ["idx_task_records_engine_uuid", `"engine_uuid"`],
  ["idx_task_records_queue", `"queue"`],
  ["idx_task_records_resubmitted", `"resubmitted"`],
  ["idx_task_records_resubmitted_from", `"resubmitted_from"`],
];
