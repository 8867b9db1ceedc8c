import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Scale's queue (scale-queue.md §1): job types, Scale jobs, the queue table and job-load snapshots. Table names carry
 * a `scale_` prefix so they never meet jobflow-remote's jobs. `QUEUE_INDEXES` is shared with the Postgres migration.
 */
export class Queue1763800200000 implements MigrationInterface {
  name = "Queue1763800200000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scale_job_types" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "name" text NOT NULL, "version" text NOT NULL, "title" text, "description" text,
        "is_active" boolean NOT NULL DEFAULT (1), "is_system" boolean NOT NULL DEFAULT (0),
        "is_paused" boolean NOT NULL DEFAULT (0), "is_published" boolean NOT NULL DEFAULT (0),
        "is_long_running" boolean NOT NULL DEFAULT (0),
        "icon_code" text, "unmet_resources" text,
        "max_tries" integer NOT NULL DEFAULT (3),
        "configuration" json NOT NULL DEFAULT ('{}'), "manifest" json NOT NULL DEFAULT ('{}'),
        "docker_image" text NOT NULL DEFAULT (''), "timeout" integer NOT NULL DEFAULT (1800),
        "resources" json NOT NULL DEFAULT ('[]'),
        "created" datetime NOT NULL, "last_modified" datetime NOT NULL,
        CONSTRAINT "uq_scale_job_types_name_version" UNIQUE ("name", "version")
      )`);
    await queryRunner.query(`
      CREATE TABLE "scale_jobs" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "job_type_id" integer NOT NULL REFERENCES "scale_job_types" ("id") ON DELETE CASCADE,
        "status" text NOT NULL CHECK ("status" IN ('PENDING','BLOCKED','QUEUED','RUNNING','FAILED','COMPLETED','CANCELED')),
        "input" json, "input_file_size" real,
        "num_exes" integer NOT NULL DEFAULT (0), "max_tries" integer NOT NULL,
        "configuration" json, "recipe_id" integer, "batch_id" integer, "batch_priority" integer,
        "is_superseded" boolean NOT NULL DEFAULT (0), "node" text, "error_category" text,
        "queued" datetime, "started" datetime, "ended" datetime, "last_status_change" datetime,
        "created" datetime NOT NULL, "last_modified" datetime NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "scale_queue" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "job_type_id" integer NOT NULL REFERENCES "scale_job_types" ("id") ON DELETE CASCADE,
        "job_id" integer NOT NULL REFERENCES "scale_jobs" ("id") ON DELETE CASCADE,
        "recipe_id" integer, "batch_id" integer,
        "exe_num" integer NOT NULL, "input_file_size" real NOT NULL,
        "is_canceled" boolean NOT NULL DEFAULT (0), "priority" integer NOT NULL, "timeout" integer NOT NULL,
        "interface" json NOT NULL DEFAULT ('{}'), "configuration" json NOT NULL DEFAULT ('{}'),
        "resources" json NOT NULL DEFAULT ('{}'),
        "created" datetime NOT NULL, "queued" datetime NOT NULL, "docker_image" text NOT NULL DEFAULT ('')
      )`);
    await queryRunner.query(`
      CREATE TABLE "scale_job_load" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "job_type_id" integer REFERENCES "scale_job_types" ("id") ON DELETE CASCADE,
        "measured" datetime NOT NULL,
        "pending_count" integer NOT NULL, "queued_count" integer NOT NULL,
        "running_count" integer NOT NULL, "total_count" integer NOT NULL
      )`);
    for (const [name, table, columns] of QUEUE_INDEXES) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "${table}" (${columns})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ["scale_job_load", "scale_queue", "scale_jobs", "scale_job_types"]) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}

export const QUEUE_INDEXES: readonly (readonly [string, string, string])[] = [
  ["idx_scale_jobs_job_type", "scale_jobs", `"job_type_id"`],
  ["idx_scale_jobs_status", "scale_jobs", `"status", "job_type_id"`],
  ["idx_scale_jobs_last_modified", "scale_jobs", `"last_modified"`],
  ["idx_scale_jobs_batch", "scale_jobs", `"batch_id"`],
  ["idx_scale_jobs_recipe", "scale_jobs", `"recipe_id"`],
  // The scheduler order (scale-queue.md §3.1), read forwards for FIFO and backwards for LIFO.
  ["idx_scale_queue_order", "scale_queue", `"priority", "queued", "id"`],
  ["idx_scale_queue_job", "scale_queue", `"job_id"`],
  ["idx_scale_queue_job_type", "scale_queue", `"job_type_id"`],
  ["idx_scale_job_load_measured", "scale_job_load", `"measured"`],
  ["idx_scale_job_load_job_type", "scale_job_load", `"job_type_id"`],
];
