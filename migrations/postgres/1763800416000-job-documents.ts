import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 16: the serialized jobflow Job and the submitted flow as exact JSON text (`jobs.document`,
 * `flows.document`), the FlowDoc's copy of each job's parents (`jobs.flow_parents`, backfilled from `parents`),
 * and `jobs.output` as exact text. `text`, not `jsonb`: jsonb rewrites numbers (`1e+16` comes back as
 * `10000000000000000`, which Python reads as an int) and key order.
 */
export class JobDocuments1763800416000 implements MigrationInterface {
  name = "JobDocuments1763800416000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" ADD COLUMN "document" text`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD COLUMN "flow_parents" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`UPDATE "jobs" SET "flow_parents" = "parents"`);
    await queryRunner.query(`ALTER TABLE "jobs" ALTER COLUMN "output" TYPE text USING "output"::text`);
    await queryRunner.query(`ALTER TABLE "flows" ADD COLUMN "document" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "flows" DROP COLUMN "document"`);
    await queryRunner.query(`ALTER TABLE "jobs" ALTER COLUMN "output" TYPE jsonb USING "output"::jsonb`);
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "flow_parents"`);
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "document"`);
  }
}
