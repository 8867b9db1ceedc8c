import { ROLES, type Role } from "../../principal";

/**
 * Who may call which root field: THE one table (issue #7). Queries need `reader` unless listed in QUERY_POLICY.
 * A mutation missing from MUTATION_POLICY is denied to all but `admin`, and test/security/policy.test.ts fails
 * for every Mutation field of the schema that is missing here, so each new mutation gets classified on purpose.
 *
 * `escalations` name arguments that, when truthy, need a higher role: breaking someone else's lock or forcing a
 * state change past its guards is an admin's act even through an operator's mutation.
 */
export interface FieldRule {
  readonly role: Role;
  readonly escalations?: Readonly<Record<string, Role>>;
}

const operator: FieldRule = { role: "operator" };
const admin: FieldRule = { role: "admin" };
/** Arguments that bypass the normal guards (jobflow-remote.md: `force`, `break_lock`). */
const forceable: FieldRule = {
  role: "operator",
  escalations: { force: "admin", breakLock: "admin", breakLocks: "admin" },
};

export const MUTATION_POLICY: Readonly<Record<string, FieldRule>> = {
  // Task records (ipython-hub.md)
  addTaskRecords: operator,
  updateTaskRecord: operator,
  resubmitTasks: operator,
  purgeTaskRecords: admin,
  // Flows and jobs (jobflow-remote.md)
  addFlow: operator,
  checkoutJob: operator,
  rerunJobs: forceable,
  retryJobs: forceable,
  pauseJobs: forceable,
  playJobs: forceable,
  stopJobs: forceable,
  completeJob: forceable,
  reportJobStep: forceable,
  stopChildren: operator,
  stopJobflow: operator,
  setJobRunProperties: forceable,
  // set_job_state bypasses the state machine ("use with caution" upstream): an admin's repair tool.
  setJobState: admin,
  deleteJobs: admin,
  deleteFlows: admin,
  // Locks: operators take and release their own leases; breaking others' locks is admin.
  lockJob: forceable,
  lockFlow: forceable,
  renewLock: operator,
  releaseLock: operator,
  unlockJobs: admin,
  unlockFlows: admin,
  // Batch-worker registry: runner bookkeeping (jobflow-remote.md, batch submission).
  addBatchProcess: operator,
  removeBatchProcess: operator,
  // Queue (scale-queue.md)
  queueJobs: operator,
  requeueJobs: operator,
  cancelQueuedJobs: operator,
  claimQueueEntry: operator,
  calculateJobLoad: operator,
  createScaleJobs: operator,
  // Job types define what the cluster runs and with which resources: configuration, not operation.
  createJobType: admin,
  updateJobType: admin,
};

/** Queries needing more than `reader`; none so far (reading is what a reader token is for). */
export const QUERY_POLICY: Readonly<Record<string, FieldRule>> = {};

/** Subscriptions (docs/subscriptions.md): watching is reading. One missing here is denied to all but `admin`. */
export const SUBSCRIPTION_POLICY: Readonly<Record<string, FieldRule>> = {
  taskRecordChanged: { role: "reader" },
  jobChanged: { role: "reader" },
  flowChanged: { role: "reader" },
  queueEntryChanged: { role: "reader" },
};

/** The role a root field needs with the given (already resolved) argument values. */
export function requiredRole(
  operation: "query" | "mutation" | "subscription",
  field: string,
  args: Readonly<Record<string, unknown>>,
): Role {
  const rule =
    operation === "query"
      ? (QUERY_POLICY[field] ?? { role: "reader" })
      : ((operation === "mutation" ? MUTATION_POLICY : SUBSCRIPTION_POLICY)[field] ?? admin);
  let role = rule.role;
  for (const [argument, escalated] of Object.entries(rule.escalations ?? {})) {
    if (isTruthy(args[argument]) && rank(escalated) > rank(role)) role = escalated;
  }
  return role;
}

function isTruthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

function rank(role: Role): number {
  return ROLES.indexOf(role);
}
