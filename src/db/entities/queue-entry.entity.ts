import { EntitySchema } from "typeorm";

import type { Dialect, Instant } from "../../dialect";
import { TABLES } from "./tables";
import { columnTypes } from "./column-types";

/**
 * One row of Scale's `queue` table (scale-queue.md §1.1): one queued job *execution*. A job may have one live row
 * plus older canceled ones; rows leave only when a scheduler claims them or the job goes.
 */
export interface QueueEntryRow {
  id: number;
  jobTypeId: number;
  jobId: number;
  recipeId: number | null;
  batchId: number | null;
  exeNum: number;
  inputFileSize: number;
  isCanceled: boolean;
  priority: number;
  timeout: number;
  interface: Record<string, unknown>;
  configuration: Record<string, unknown>;
  resources: Record<string, unknown>;
  created: Instant;
  queued: Instant;
  dockerImage: string;
}

export function queueEntryEntity(dialect: Dialect): EntitySchema<QueueEntryRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<QueueEntryRow>({
    name: "QueueEntry",
    tableName: TABLES.queue,
    columns: {
      id: { type: t.integer, primary: true, generated: "increment" },
      jobTypeId: { name: "job_type_id", type: t.integer },
      jobId: { name: "job_id", type: t.integer },
      recipeId: { name: "recipe_id", type: t.integer, nullable: true },
      batchId: { name: "batch_id", type: t.integer, nullable: true },
      exeNum: { name: "exe_num", type: t.integer },
      inputFileSize: { name: "input_file_size", type: t.real },
      isCanceled: { name: "is_canceled", type: t.boolean, default: false },
      priority: { type: t.integer },
      timeout: { type: t.integer },
      interface: { type: t.json },
      configuration: { type: t.json },
      resources: { type: t.json },
      created: { type: t.instant },
      queued: { type: t.instant },
      dockerImage: { name: "docker_image", type: t.text, default: "" },
    },
    indices: [
      // The scheduler order (§3.1) in both directions.
      { name: "idx_scale_queue_order", columns: ["priority", "queued", "id"] },
      { name: "idx_scale_queue_job", columns: ["jobId"] },
      { name: "idx_scale_queue_job_type", columns: ["jobTypeId"] },
    ],
  });
}
