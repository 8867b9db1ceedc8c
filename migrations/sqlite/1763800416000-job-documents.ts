import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 16: the serialized jobflow Job and the submitted flow as exact JSON text (`jobs.document`,
 * `flows.document`), the FlowDoc's copy of each job's parents (`jobs.flow_parents`, backfilled from `parents`),
 * and `jobs.output` as exact text. Rows written before keep working: no document, their output text unchanged.
 */
export class JobDocuments1763800416000 implements MigrationInterface {
  name = "JobDocuments1763800416000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" ADD COLUMN "document" text`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD COLUMN "flow_parents" json NOT NULL DEFAULT ('[]')`);
    await queryRunner.query(`UPDATE "jobs" SET "flow_parents" = "parents"`);
    // A `json` column has NUMERIC affinity in SQLite (it would turn the text "1e+16" into a number); `text` keeps
    // the text. SQLite cannot change a column's type, so the column is copied, dropped and renamed.
    await queryRunner.query(`ALTER TABLE "jobs" ADD COLUMN "output_text" text`);
    await queryRunner.query(`UPDATE "jobs" SET "output_text" = "output"`);
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "output"`);
    await queryRunner.query(`ALTER TABLE "jobs" RENAME COLUMN "output_text" TO "output"`);
    await queryRunner.query(`ALTER TABLE "flows" ADD COLUMN "document" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "flows" DROP COLUMN "document"`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD COLUMN "output_json" json`);
    await queryRunner.query(`UPDATE "jobs" SET "output_json" = "output"`);
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "output"`);
    await queryRunner.query(`ALTER TABLE "jobs" RENAME COLUMN "output_json" TO "output"`);
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "flow_parents"`);
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "document"`);
  }
}
