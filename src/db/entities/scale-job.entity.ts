import { EntitySchema } from "typeorm";

import type { Dialect, Instant } from "../../dialect";
import { TABLES } from "./tables";
import { columnTypes } from "./column-types";

/** Scale's job statuses (scale-queue.md §2); FAILED, COMPLETED and CANCELED are final. */
export const SCALE_JOB_STATUSES = [
  "PENDING",
  "BLOCKED",
  "QUEUED",
  "RUNNING",
  "FAILED",
  "COMPLETED",
  "CANCELED",
] as const;
export type ScaleJobStatus = (typeof SCALE_JOB_STATUSES)[number];

/**
 * A Scale job (scale-queue.md §2): what gets queued, with its execution count and tries. Not jobflow-remote's Job.
 * Scale keeps batches and recipes in tables of their own; hubql keeps only their ids and, for the batch, the
 * configured priority the queue needs (§3.3 step 5).
 */
export interface ScaleJobRow {
  id: number;
  jobTypeId: number;
  status: ScaleJobStatus;
  /** Job input; `has_input` ⇔ non-empty (§2). */
  input: Record<string, unknown> | null;
  /** MiB; null counts as 0.0 on the queue (§1.1). */
  inputFileSize: number | null;
  numExes: number;
  maxTries: number;
  /** Job configuration override; its `priority` beats the job type's (§2). */
  configuration: Record<string, unknown> | null;
  recipeId: number | null;
  batchId: number | null;
  /** The batch configuration's priority, when the batch sets one. */
  batchPriority: number | null;
  isSuperseded: boolean;
  node: string | null;
  errorCategory: string | null;
  queued: Instant | null;
  started: Instant | null;
  ended: Instant | null;
  lastStatusChange: Instant | null;
  created: Instant;
  lastModified: Instant;
}

export function scaleJobEntity(dialect: Dialect): EntitySchema<ScaleJobRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<ScaleJobRow>({
    name: "ScaleJob",
    tableName: TABLES.scaleJobs,
    columns: {
      id: { type: t.integer, primary: true, generated: "increment" },
      jobTypeId: { name: "job_type_id", type: t.integer },
      status: { type: t.text },
      input: { type: t.json, nullable: true },
      inputFileSize: { name: "input_file_size", type: t.real, nullable: true },
      numExes: { name: "num_exes", type: t.integer, default: 0 },
      maxTries: { name: "max_tries", type: t.integer },
      configuration: { type: t.json, nullable: true },
      recipeId: { name: "recipe_id", type: t.integer, nullable: true },
      batchId: { name: "batch_id", type: t.integer, nullable: true },
      batchPriority: { name: "batch_priority", type: t.integer, nullable: true },
      isSuperseded: { name: "is_superseded", type: t.boolean, default: false },
      node: { type: t.text, nullable: true },
      errorCategory: { name: "error_category", type: t.text, nullable: true },
      queued: { type: t.instant, nullable: true },
      started: { type: t.instant, nullable: true },
      ended: { type: t.instant, nullable: true },
      lastStatusChange: { name: "last_status_change", type: t.instant, nullable: true },
      created: { type: t.instant },
      lastModified: { name: "last_modified", type: t.instant },
    },
    indices: [
      { name: "idx_scale_jobs_job_type", columns: ["jobTypeId"] },
      { name: "idx_scale_jobs_status", columns: ["status", "jobTypeId"] },
      { name: "idx_scale_jobs_last_modified", columns: ["lastModified"] },
      { name: "idx_scale_jobs_batch", columns: ["batchId"] },
      { name: "idx_scale_jobs_recipe", columns: ["recipeId"] },
    ],
  });
}
