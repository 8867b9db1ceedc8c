import type { JobTypeRow, QueueSkipReason, ScaleJobRow } from "./queue.model";
import { DEFAULT_PRIORITY } from "./queue.model";

/**
 * Scale's job-status predicates that gate the queue (scale-queue.md §2), as pure functions: the services evaluate
 * them on rows they hold locked, so the decision and the write see the same state.
 */
type JobFacts = Pick<ScaleJobRow, "status" | "input" | "numExes" | "isSuperseded">;

export function hasInput(job: Pick<ScaleJobRow, "input">): boolean {
  return job.input !== null && Object.keys(job.input).length > 0;
}

/** Why a first queue (§3.3, requeue=false) would skip the job, or null when it may be queued. */
export function firstQueueSkip(job: JobFacts, expectedExeNum?: number | null): QueueSkipReason | null {
  if (isStale(job, expectedExeNum)) return "STALE_EXE_NUM";
  if (job.status !== "PENDING" && job.status !== "BLOCKED") return "NOT_ELIGIBLE_STATUS";
  if (job.numExes > 0) return "ALREADY_QUEUED";
  if (!hasInput(job)) return "NO_INPUT";
  if (job.isSuperseded) return "SUPERSEDED";
  return null;
}

export type RequeueDecision =
  { readonly action: "REQUEUE" | "UNCANCEL" } | { readonly action: "SKIP"; readonly reason: QueueSkipReason };

/**
 * A user requeue (§3.4): requeue when `can_be_requeued` and the execution count is current, else uncancel when
 * `can_be_uncanceled` (CANCELED and never queued — even superseded or input-less), else skip.
 */
export function requeueDecision(job: JobFacts, expectedExeNum?: number | null): RequeueDecision {
  const canBeRequeued = job.status !== "COMPLETED" && hasInput(job) && job.numExes > 0 && !job.isSuperseded;
  if (canBeRequeued && !isStale(job, expectedExeNum)) return { action: "REQUEUE" };
  if (job.status === "CANCELED" && job.numExes === 0) return { action: "UNCANCEL" };
  if (canBeRequeued) return { action: "SKIP", reason: "STALE_EXE_NUM" };
  if (job.status === "COMPLETED") return { action: "SKIP", reason: "NOT_ELIGIBLE_STATUS" };
  if (job.numExes === 0) return { action: "SKIP", reason: "NEVER_QUEUED" };
  if (!hasInput(job)) return { action: "SKIP", reason: "NO_INPUT" };
  return { action: "SKIP", reason: "SUPERSEDED" };
}

/** `can_be_canceled` (§2): anything not already CANCELED or COMPLETED. */
export function cancelSkip(job: Pick<ScaleJobRow, "status">): QueueSkipReason | null {
  return job.status === "CANCELED" || job.status === "COMPLETED" ? "NOT_ELIGIBLE_STATUS" : null;
}

function isStale(job: Pick<ScaleJobRow, "numExes">, expectedExeNum: number | null | undefined): boolean {
  return expectedExeNum !== undefined && expectedExeNum !== null && expectedExeNum !== job.numExes;
}

/**
 * The priority written to the queue entry (§3.3 step 5): the explicit argument when truthy (0 and null mean "not
 * given"), else the batch's configured priority, else the job's configuration, else the job type's, else 100.
 */
export function effectivePriority(
  requested: number | null | undefined,
  job: Pick<ScaleJobRow, "batchId" | "batchPriority" | "configuration">,
  jobType: Pick<JobTypeRow, "configuration">,
): number {
  if (requested) return requested;
  if (job.batchId !== null && job.batchPriority !== null) return job.batchPriority;
  return configuredPriority(job.configuration) ?? configuredPriority(jobType.configuration) ?? DEFAULT_PRIORITY;
}

export function configuredPriority(configuration: Record<string, unknown> | null): number | null {
  const value = configuration?.["priority"];
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

/**
 * The resources a queued execution needs (§1.1): each scalar resource of the type plus `inputMultiplier` × the
 * input size, disk at least the input size, `sharedmem` dropped.
 */
export function requiredResources(
  jobType: Pick<JobTypeRow, "resources">,
  inputFileSize: number,
): Record<string, number> {
  const resources: Record<string, number> = {};
  for (const { name, value, inputMultiplier } of jobType.resources) {
    if (name === "sharedmem") continue;
    resources[name] = value + (inputMultiplier ?? 0) * inputFileSize;
  }
  resources["disk"] = Math.max(resources["disk"] ?? 0, inputFileSize);
  return resources;
}
