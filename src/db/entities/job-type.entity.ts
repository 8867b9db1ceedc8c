import { EntitySchema } from "typeorm";

import type { Dialect, Instant } from "../../dialect";
import { TABLES } from "./tables";
import { columnTypes } from "./column-types";

/**
 * A Scale job type (scale-queue.md §2, §4.2): what a queued job runs. hubql keeps no revisions: the type's current
 * manifest and docker image are what a queue entry snapshots (docs/queue.md "Decisions").
 */
export interface JobTypeRow {
  id: number;
  name: string;
  version: string;
  title: string | null;
  description: string | null;
  isActive: boolean;
  isSystem: boolean;
  isPaused: boolean;
  isPublished: boolean;
  isLongRunning: boolean;
  iconCode: string | null;
  unmetResources: string | null;
  /** Tries a new job gets, and what a requeue adds (§2, §3.4). */
  maxTries: number;
  /** Job-type configuration; `priority` (default 100) is the fallback priority of its jobs (§2). */
  configuration: Record<string, unknown>;
  /** The Seed manifest; snapshotted into `queue.interface`. */
  manifest: Record<string, unknown>;
  dockerImage: string;
  /** `job.timeout` of the manifest, in seconds; copied to each queue entry. */
  timeout: number;
  /** Required resources: `[{name, value, inputMultiplier?}]` as in a Seed manifest's `resources.scalar`. */
  resources: { name: string; value: number; inputMultiplier?: number }[];
  created: Instant;
  lastModified: Instant;
}

export function jobTypeEntity(dialect: Dialect): EntitySchema<JobTypeRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<JobTypeRow>({
    name: "JobType",
    tableName: TABLES.jobTypes,
    columns: {
      id: { type: t.integer, primary: true, generated: "increment" },
      name: { type: t.text },
      version: { type: t.text },
      title: { type: t.text, nullable: true },
      description: { type: t.text, nullable: true },
      isActive: { name: "is_active", type: t.boolean, default: true },
      isSystem: { name: "is_system", type: t.boolean, default: false },
      isPaused: { name: "is_paused", type: t.boolean, default: false },
      isPublished: { name: "is_published", type: t.boolean, default: false },
      isLongRunning: { name: "is_long_running", type: t.boolean, default: false },
      iconCode: { name: "icon_code", type: t.text, nullable: true },
      unmetResources: { name: "unmet_resources", type: t.text, nullable: true },
      maxTries: { name: "max_tries", type: t.integer, default: 3 },
      configuration: { type: t.json },
      manifest: { type: t.json },
      dockerImage: { name: "docker_image", type: t.text, default: "" },
      timeout: { type: t.integer, default: 1800 },
      resources: { type: t.json },
      created: { type: t.instant },
      lastModified: { name: "last_modified", type: t.instant },
    },
    uniques: [{ name: "uq_scale_job_types_name_version", columns: ["name", "version"] }],
  });
}
