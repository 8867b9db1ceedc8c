import type { MigrationInterface, QueryRunner } from "typeorm";

import { FLOWS_JOBS_INDEXES } from "../sqlite/1763800100000-flows-jobs";

/**
 * Flows, jobs, their parent links, the db-id counter and batch processes (jobflow-remote.md §3, §10), with the
 * indexes of §3.4 plus the lease and filter columns people use.
 */
export class FlowsJobs1763800100000 implements MigrationInterface {
  name = "FlowsJobs1763800100000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "flows" (
        "uuid" text PRIMARY KEY NOT NULL, "name" text NOT NULL, "state" text NOT NULL, "metadata" jsonb NOT NULL,
        "lock_id" text, "lock_holder" text, "lock_time" timestamptz, "lock_expires" timestamptz,
        "created_on" timestamptz NOT NULL, "updated_on" timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "jobs" (
        "db_id" text PRIMARY KEY NOT NULL, "db_seq" bigint NOT NULL UNIQUE,
        "uuid" text NOT NULL, "index" integer NOT NULL,
        "flow_uuid" text NOT NULL REFERENCES "flows" ("uuid") ON DELETE CASCADE,
        "name" text NOT NULL, "state" text NOT NULL, "worker" text, "priority" integer NOT NULL DEFAULT 0,
        "metadata" jsonb NOT NULL, "on_missing_references" text NOT NULL DEFAULT 'error', "parents" jsonb NOT NULL,
        "hosts" jsonb NOT NULL DEFAULT '[]',
        "previous_state" text, "error" text,
        "remote_step_attempts" integer NOT NULL DEFAULT 0, "remote_queue_state" text, "remote_process_id" text,
        "remote_retry_time_limit" timestamptz, "remote_error" text,
        "run_dir" text, "start_time" timestamptz, "end_time" timestamptz,
        "exec_config" jsonb, "resources" jsonb, "stored_data" jsonb, "output" jsonb,
        "lock_id" text, "lock_holder" text, "lock_time" timestamptz, "lock_expires" timestamptz,
        "created_on" timestamptz NOT NULL, "updated_on" timestamptz NOT NULL,
        CONSTRAINT "uq_jobs_uuid_index" UNIQUE ("uuid", "index")
      )`);
    await queryRunner.query(`
      CREATE TABLE "job_parents" (
        "child_db_id" text NOT NULL REFERENCES "jobs" ("db_id") ON DELETE CASCADE,
        "parent_uuid" text NOT NULL,
        PRIMARY KEY ("child_db_id", "parent_uuid")
      )`);
    await queryRunner.query(
      `CREATE TABLE "jobflow_counters" ("name" text PRIMARY KEY NOT NULL, "next" bigint NOT NULL)`,
    );
    await queryRunner.query(`INSERT INTO "jobflow_counters" ("name", "next") VALUES ('job_db_id', 1)`);
    await queryRunner.query(`
      CREATE TABLE "batch_processes" (
        "worker" text NOT NULL, "process_id" text NOT NULL, "process_uuid" text NOT NULL,
        PRIMARY KEY ("worker", "process_id")
      )`);
    for (const [name, table, columns] of FLOWS_JOBS_INDEXES) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "${table}" (${columns})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ["batch_processes", "jobflow_counters", "job_parents", "jobs", "flows"]) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
