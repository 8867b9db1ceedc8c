import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Flows, jobs, their parent links, the db-id counter and batch processes (jobflow-remote.md §3, §10), with the
 * indexes of §3.4 plus the lease and filter columns people use.
 */
export class FlowsJobs1763800100000 implements MigrationInterface {
  name = "FlowsJobs1763800100000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "flows" (
        "uuid" text PRIMARY KEY NOT NULL, "name" text NOT NULL, "state" text NOT NULL, "metadata" json NOT NULL,
        "lock_id" text, "lock_holder" text, "lock_time" datetime, "lock_expires" datetime,
        "created_on" datetime NOT NULL, "updated_on" datetime NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "jobs" (
        "db_id" text PRIMARY KEY NOT NULL, "db_seq" integer NOT NULL UNIQUE,
        "uuid" text NOT NULL, "index" integer NOT NULL,
        "flow_uuid" text NOT NULL REFERENCES "flows" ("uuid") ON DELETE CASCADE,
        "name" text NOT NULL, "state" text NOT NULL, "worker" text, "priority" integer NOT NULL DEFAULT (0),
        "metadata" json NOT NULL, "on_missing_references" text NOT NULL DEFAULT ('error'), "parents" json NOT NULL,
        "hosts" json NOT NULL DEFAULT ('[]'),
        "previous_state" text, "error" text,
        "remote_step_attempts" integer NOT NULL DEFAULT (0), "remote_queue_state" text, "remote_process_id" text,
        "remote_retry_time_limit" datetime, "remote_error" text,
        "run_dir" text, "start_time" datetime, "end_time" datetime,
        "exec_config" json, "resources" json, "stored_data" json, "output" json,
        "lock_id" text, "lock_holder" text, "lock_time" datetime, "lock_expires" datetime,
        "created_on" datetime NOT NULL, "updated_on" datetime NOT NULL,
        CONSTRAINT "uq_jobs_uuid_index" UNIQUE ("uuid", "index")
      )`);
    await queryRunner.query(`
      CREATE TABLE "job_parents" (
        "child_db_id" text NOT NULL REFERENCES "jobs" ("db_id") ON DELETE CASCADE,
        "parent_uuid" text NOT NULL,
        PRIMARY KEY ("child_db_id", "parent_uuid")
      )`);
    await queryRunner.query(
      `CREATE TABLE "jobflow_counters" ("name" text PRIMARY KEY NOT NULL, "next" integer NOT NULL)`,
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

export const FLOWS_JOBS_INDEXES: readonly (readonly [string, string, string])[] = [
  ["idx_jobs_flow_uuid", "jobs", `"flow_uuid"`],
  ["idx_jobs_state", "jobs", `"state"`],
  ["idx_jobs_updated_on", "jobs", `"updated_on"`],
  ["idx_jobs_created_on", "jobs", `"created_on"`],
  ["idx_jobs_worker", "jobs", `"worker"`],
  ["idx_jobs_name", "jobs", `"name"`],
  // checkout and runner steps: READY jobs by priority DESC, created_on ASC (§6.1, §8).
  ["idx_jobs_checkout", "jobs", `"state", "priority" DESC, "created_on", "db_seq"`],
  ["idx_jobs_state_retry", "jobs", `"state", "remote_retry_time_limit"`],
  ["idx_jobs_lock_id", "jobs", `"lock_id"`],
  ["idx_job_parents_parent", "job_parents", `"parent_uuid"`],
  ["idx_flows_state", "flows", `"state"`],
  ["idx_flows_updated_on", "flows", `"updated_on"`],
  ["idx_flows_created_on", "flows", `"created_on"`],
  ["idx_flows_name", "flows", `"name"`],
  ["idx_flows_lock_id", "flows", `"lock_id"`],
];
