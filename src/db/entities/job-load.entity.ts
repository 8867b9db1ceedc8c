import { EntitySchema } from "typeorm";

import type { Dialect, Instant } from "../../dialect";
import { TABLES } from "./tables";
import { columnTypes } from "./column-types";

/**
 * One job-load snapshot row (scale-queue.md §1.2): counts of one job type's PENDING/QUEUED/RUNNING jobs at
 * `measured`. `jobTypeId` is null only on the "nothing active" placeholder row.
 */
export interface JobLoadRow {
  id: number;
  jobTypeId: number | null;
  measured: Instant;
  pendingCount: number;
  queuedCount: number;
  runningCount: number;
  totalCount: number;
}

export function jobLoadEntity(dialect: Dialect): EntitySchema<JobLoadRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<JobLoadRow>({
    name: "JobLoad",
    tableName: TABLES.jobLoad,
    columns: {
      id: { type: t.integer, primary: true, generated: "increment" },
      jobTypeId: { name: "job_type_id", type: t.integer, nullable: true },
      measured: { type: t.instant },
      pendingCount: { name: "pending_count", type: t.integer },
      queuedCount: { name: "queued_count", type: t.integer },
      runningCount: { name: "running_count", type: t.integer },
      totalCount: { name: "total_count", type: t.integer },
    },
    indices: [
      { name: "idx_scale_job_load_measured", columns: ["measured"] },
      { name: "idx_scale_job_load_job_type", columns: ["jobTypeId"] },
    ],
  });
}
