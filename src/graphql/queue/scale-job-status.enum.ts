import { registerEnumType } from "type-graphql";

/**
 * Scale's queue (scale-queue.md) as GraphQL types. Scale's job is `ScaleJob` and its status `ScaleJobStatus`, so
 * they never meet jobflow-remote's `Job`/`JobState`.
 */
export enum ScaleJobStatus {
  PENDING = "PENDING",
  BLOCKED = "BLOCKED",
  QUEUED = "QUEUED",
  RUNNING = "RUNNING",
  FAILED = "FAILED",
  COMPLETED = "COMPLETED",
  CANCELED = "CANCELED",
}
registerEnumType(ScaleJobStatus, {
  name: "ScaleJobStatus",
  description: "A Scale job's status; FAILED, COMPLETED and CANCELED are final.",
});
