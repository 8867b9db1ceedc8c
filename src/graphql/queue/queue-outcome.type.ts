import { Field, Int, ObjectType } from "type-graphql";

import { QueueAction, QueueSkipReason } from "./queue-outcome.enum";

@ObjectType({ description: "What happened to one job." })
export class ScaleJobQueueOutcome {
  @Field(() => Int)
  jobId!: number;

  @Field(() => QueueAction)
  action!: QueueAction;

  @Field(() => QueueSkipReason, { nullable: true })
  reason!: QueueSkipReason | null;

  @Field(() => Int, { nullable: true, description: "QUEUED: the new entry's execution number." })
  exeNum!: number | null;

  @Field(() => Int, { nullable: true, description: "QUEUED: the priority written to the entry." })
  priority!: number | null;
}

@ObjectType({ description: "Per-job outcomes of queueJobs, requeueJobs or cancelQueuedJobs." })
export class QueueOperationResult {
  @Field({ description: "True when nothing was written." })
  dryRun!: boolean;

  @Field(() => Int)
  queuedCount!: number;

  @Field(() => Int)
  uncanceledCount!: number;

  @Field(() => Int)
  canceledCount!: number;

  @Field(() => Int)
  skippedCount!: number;

  @Field(() => [ScaleJobQueueOutcome], {
    description: "Named jobs in the order given; filter matches by id descending.",
  })
  outcomes!: ScaleJobQueueOutcome[];
}
