import { registerEnumType } from "type-graphql";

export enum QueueAction {
  QUEUED = "QUEUED",
  UNCANCELED = "UNCANCELED",
  CANCELED = "CANCELED",
  SKIPPED = "SKIPPED",
}
registerEnumType(QueueAction, {
  name: "QueueAction",
  description: "What a queue, requeue or cancel did to one job (or would do, with dryRun).",
});

export enum QueueSkipReason {
  NOT_FOUND = "NOT_FOUND",
  STALE_EXE_NUM = "STALE_EXE_NUM",
  NOT_ELIGIBLE_STATUS = "NOT_ELIGIBLE_STATUS",
  ALREADY_QUEUED = "ALREADY_QUEUED",
  NEVER_QUEUED = "NEVER_QUEUED",
  NO_INPUT = "NO_INPUT",
  SUPERSEDED = "SUPERSEDED",
}
registerEnumType(QueueSkipReason, {
  name: "QueueSkipReason",
  description: "Why a job was skipped (Scale skips silently).",
  valuesConfig: {
    NOT_FOUND: { description: "No job with that id." },
    STALE_EXE_NUM: { description: "The exeNum given is not the job's current execution count (already handled)." },
    NOT_ELIGIBLE_STATUS: {
      description: "The job's status does not allow it (e.g. COMPLETED, or not PENDING/BLOCKED for a first queue).",
    },
    ALREADY_QUEUED: { description: "A first queue of a job that has run before: use requeueJobs." },
    NEVER_QUEUED: { description: "A requeue of a job that was never queued: use queueJobs." },
    NO_INPUT: { description: "The job has no input." },
    SUPERSEDED: { description: "The job is superseded." },
  },
});
