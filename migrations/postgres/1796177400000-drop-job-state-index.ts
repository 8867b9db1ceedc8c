import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `idx_jobs_state` ("state") is a prefix of `idx_jobs_checkout` ("state", "priority" DESC, "created_on", "db_seq"),
 * which serves every lookup by state as well and also gives checkout its order. With both, Postgres picked the
 * narrow one whenever its statistics said READY jobs were rare (right after a batch of jobs became READY) and sorted
 * every READY job for each checkout: 2.5 ms instead of 0.1 ms for 1,400 READY jobs, five times the checkout's own CPU.
 */
export class DropJobStateIndex1796177400000 implements MigrationInterface {
  name = "DropJobStateIndex1796177400000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "idx_jobs_state"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "idx_jobs_state" ON "jobs" ("state")`);
  }
}
