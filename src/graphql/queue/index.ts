import { JobLoadResolver } from "./job-load.resolver";
import { JobTypeResolver } from "./job-type.resolver";
import { QueueEntryResolver, QueueStatusFieldsResolver } from "./queue-entry.resolver";
import { ScaleJobQueueOutcomeFieldsResolver, ScaleJobResolver } from "./scale-job.resolver";

/** The queue resolver classes (docs/queue.md). */
export const QUEUE_RESOLVERS = [
  QueueEntryResolver,
  QueueStatusFieldsResolver,
  JobTypeResolver,
  ScaleJobResolver,
  ScaleJobQueueOutcomeFieldsResolver,
  JobLoadResolver,
] as const;
