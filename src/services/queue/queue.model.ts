import type { Instant } from "../../dialect";
import { catalogueFor } from "../../db/catalogue";
import type { SelectionArgs } from "../shared/selection";
import { badInput } from "../../errors";
import { jobLoadEntity, type JobLoadRow } from "../../db/entities/job-load.entity";
import { jobTypeEntity, type JobTypeRow } from "../../db/entities/job-type.entity";
import { queueEntryEntity, type QueueEntryRow } from "../../db/entities/queue-entry.entity";
import {
  SCALE_JOB_STATUSES,
  scaleJobEntity,
  type ScaleJobRow,
  type ScaleJobStatus,
} from "../../db/entities/scale-job.entity";

export type { JobLoadRow, JobTypeRow, QueueEntryRow, ScaleJobRow, ScaleJobStatus };
export { SCALE_JOB_STATUSES };

/** Filterable fields of a queue entry (the `queue(filter)` argument), derived from the entity. */
export const QUEUE_ENTRY_CATALOGUE = catalogueFor(queueEntryEntity("sqlite"), { label: "QueueEntry" });

/** Filterable fields of a Scale job (`scaleJobs(filter)`, `requeueJobs(filter)`, `cancelQueuedJobs(filter)`). */
export const SCALE_JOB_CATALOGUE = catalogueFor(scaleJobEntity("sqlite"), {
  label: "ScaleJob",
  enums: { status: SCALE_JOB_STATUSES },
});

export const JOB_TYPE_CATALOGUE = catalogueFor(jobTypeEntity("sqlite"), { label: "JobType" });
export const JOB_LOAD_CATALOGUE = catalogueFor(jobLoadEntity("sqlite"), { label: "JobLoad" });

export const QUEUE_ENTRY_FIELDS = QUEUE_ENTRY_CATALOGUE.fields.map((field) => field.name) as (keyof QueueEntryRow)[];

/**
 * The scheduler's read order (scale-queue.md §3.1): priority ascending, then queued time ascending (FIFO) or
 * descending (LIFO), then id in the same direction as the time — hubql's deterministic tie-break.
 */
export type QueueOrderMode = "FIFO" | "LIFO";

/**
 * Reads an order mode case-insensitively and keeps the normalised value (Scale validated "lifo" case-insensitively
 * but stored it raw, so it then sorted by priority only — §3.1; not copied).
 */
export function parseOrderMode(value: string | null | undefined): QueueOrderMode {
  if (value === null || value === undefined) return "FIFO";
  const upper = value.toUpperCase();
  if (upper === "FIFO" || upper === "LIFO") return upper;
  throw badInput(`orderMode must be FIFO or LIFO, got '${value}'`, "orderMode");
}

export const DEFAULT_PRIORITY = 100;
export const DEFAULT_MAX_TRIES = 3;

/** Why a job was not queued, requeued or canceled; Scale skips these silently (§3.3–3.6), hubql says why. */
export type QueueSkipReason =
  "NOT_FOUND" | "STALE_EXE_NUM" | "NOT_ELIGIBLE_STATUS" | "ALREADY_QUEUED" | "NEVER_QUEUED" | "NO_INPUT" | "SUPERSEDED";

export type QueueAction = "QUEUED" | "UNCANCELED" | "CANCELED" | "SKIPPED";

export interface JobQueueOutcome {
  readonly jobId: number;
  readonly action: QueueAction;
  readonly reason: QueueSkipReason | null;
  /** For QUEUED: the execution number of the new queue entry. */
  readonly exeNum: number | null;
  /** For QUEUED: the priority written to the queue entry. */
  readonly priority: number | null;
}

export interface QueueOperationResult {
  readonly dryRun: boolean;
  readonly outcomes: readonly JobQueueOutcome[];
}

/** A job named by id, optionally with the execution count the caller saw (a stale one is skipped, §3.3). */
export interface JobReference {
  readonly jobId: number;
  readonly exeNum?: number | null;
}

/**
 * Which jobs a bulk operation acts on: named jobs, or a filter over Scale-job fields, or everything with an
 * explicit `all: true` (filter.md "Destructive mutations").
 */
export interface JobSelection extends Omit<SelectionArgs<JobReference>, "ids"> {
  readonly jobs?: readonly JobReference[] | null;
}

export interface QueueStatusRow {
  readonly jobTypeId: number;
  readonly count: number;
  readonly longestQueued: Instant;
  readonly highestPriority: number;
}

export interface JobLoadGroup {
  readonly time: Instant;
  readonly pendingCount: number;
  readonly queuedCount: number;
  readonly runningCount: number;
}
