/** jobflow-remote's JobState (jobflow-remote.md §1.1), stored as the upper-case name. */
export const JOB_STATES = [
  "WAITING",
  "READY",
  "CHECKED_OUT",
  "UPLOADED",
  "SUBMITTED",
  "RUNNING",
  "TERMINATED",
  "DOWNLOADED",
  "REMOTE_ERROR",
  "COMPLETED",
  "FAILED",
  "PAUSED",
  "STOPPED",
  "USER_STOPPED",
  "BATCH_SUBMITTED",
  "BATCH_RUNNING",
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** FlowState (§1.2). */
export const FLOW_STATES = ["WAITING", "READY", "RUNNING", "COMPLETED", "FAILED", "PAUSED", "STOPPED"] as const;
export type FlowState = (typeof FLOW_STATES)[number];

/** §1.1 groups. BATCH_* and REMOTE_ERROR are deliberately not "running" (they are not resettable by rerun). */
export const PAUSABLE_STATES: readonly JobState[] = ["READY", "WAITING"];
export const RUNNING_STATES: readonly JobState[] = [
  "CHECKED_OUT",
  "UPLOADED",
  "SUBMITTED",
  "RUNNING",
  "TERMINATED",
  "DOWNLOADED",
];
export const BATCH_STATES: readonly JobState[] = ["BATCH_SUBMITTED", "BATCH_RUNNING"];
export const DELETABLE_STATES: readonly JobState[] = JOB_STATES.filter((state) => !BATCH_STATES.includes(state));
/** set_job_run_properties accepts these (§6.11). */
export const RUN_PROPERTIES_STATES: readonly JobState[] = [
  "READY",
  "WAITING",
  "COMPLETED",
  "FAILED",
  "PAUSED",
  "REMOTE_ERROR",
];
/** stop_job accepts these (§6.6). */
export const STOPPABLE_STATES: readonly JobState[] = ["READY", ...RUNNING_STATES];

export function isJobState(value: unknown): value is JobState {
  return typeof value === "string" && (JOB_STATES as readonly string[]).includes(value);
}

/**
 * `FlowState.from_jobs_states` (§2): first matching rule wins. `all` holds every job row's state (every index),
 * `leaves` the state of the highest index of each leaf uuid.
 */
export function deriveFlowState(all: readonly JobState[], leaves: readonly JobState[]): FlowState {
  if (all.every((state) => state === "WAITING")) return "WAITING";
  if (all.every((state) => state === "WAITING" || state === "READY")) return "READY";
  // An empty leaf list only happens for an empty flow, and an empty flow has matched rule 1 above; guard anyway so
  // "every leaf COMPLETED" is never vacuously true (the upstream quirk of §2).
  if (leaves.length > 0 && leaves.every((state) => state === "COMPLETED")) return "COMPLETED";
  if (all.includes("FAILED")) return "FAILED";
  if (all.some((state) => state === "STOPPED" || state === "USER_STOPPED")) return "STOPPED";
  if (all.includes("PAUSED")) return "PAUSED";
  return "RUNNING";
}

export interface JobStateInput {
  readonly uuid: string;
  readonly index: number;
  readonly state: JobState;
  readonly parents: readonly string[];
}

/**
 * `update_flow_state` (§2) over the flow's job rows *as they will be* (deleted rows already removed): the leaves are
 * computed after removal, so deleting the only leaf makes its parents the leaves (the upstream empty-leaf bug is not
 * copied). Leaves: the highest index of each uuid that no row names as a parent.
 */
export function flowStateOf(jobs: readonly JobStateInput[]): FlowState {
  const highest = new Map<string, JobStateInput>();
  const parentUuids = new Set<string>();
  for (const job of jobs) {
    const current = highest.get(job.uuid);
    if (!current || job.index > current.index) highest.set(job.uuid, job);
    for (const parent of job.parents) parentUuids.add(parent);
  }
  const leaves = [...highest.values()].filter((job) => !parentUuids.has(job.uuid)).map((job) => job.state);
  return deriveFlowState(
    jobs.map((job) => job.state),
    leaves,
  );
}
