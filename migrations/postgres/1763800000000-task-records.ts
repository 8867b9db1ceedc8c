import type { MigrationInterface, QueryRunner } from "typeorm";

import { TASK_RECORD_INDEXES } from "../sqlite/1763800000000-task-records";

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
    for (const [name, columns] of TASK_RECORD_INDEXES) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "task_records" (${columns})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "task_records"`);
  }
}
