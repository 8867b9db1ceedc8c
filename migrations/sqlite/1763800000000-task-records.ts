import type { MigrationInterface, QueryRunner } from "typeorm";

/** The IPython task-record table (ipython-hub.md §2) and the indexes people filter and sort on. */
export class TaskRecords1763800000000 implements MigrationInterface {
  name = "TaskRecords1763800000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "task_records" (
        "msg_id" text PRIMARY KEY NOT NULL,
        "header" json, "metadata" json, "content" json, "buffers" json,
        "submitted" datetime, "client_uuid" text, "engine_uuid" text,
        "started" datetime, "completed" datetime, "resubmitted" text, "received" datetime,
        "result_header" json, "result_metadata" json, "result_content" json, "result_buffers" json,
        "queue" text, "execute_input" text, "execute_result" json, "error" json,
        "stdout" text, "stderr" text, "label" text,
        "resubmitted_from" text,
        "buffer_bytes" integer NOT NULL DEFAULT (0)
      )`);
    for (const [name, columns] of TASK_RECORD_INDEXES) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "task_records" (${columns})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "task_records"`);
  }
}

const TASK_RECORD_INDEXES: readonly (readonly [string, string])[] = [
  ["idx_task_records_submitted", `"submitted", "msg_id"`],
  ["idx_task_records_started", `"started", "msg_id"`],
  ["idx_task_records_completed", `"completed", "msg_id"`],
  ["idx_task_records_client_uuid", `"client_uuid"`],
  ["idx_task_records_engine_uuid", `"engine_uuid"`],
  ["idx_task_records_queue", `"queue"`],
  ["idx_task_records_resubmitted", `"resubmitted"`],
  ["idx_task_records_resubmitted_from", `"resubmitted_from"`],
];
