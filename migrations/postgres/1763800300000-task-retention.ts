import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Ids that retention culled (ipython-hub.md §12), so `taskResults` answers "culled" rather than "unknown". Only
 * ids and when: a culled record's payload is gone by design.
 */
export class TaskRetention1763800300000 implements MigrationInterface {
  name = "TaskRetention1763800300000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "task_culled_ids" (
        "msg_id" text PRIMARY KEY NOT NULL,
        "culled_at" timestamptz NOT NULL,
        "reason" text NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "task_culled_ids"`);
  }
}
