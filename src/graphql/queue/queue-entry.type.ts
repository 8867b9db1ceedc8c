import { GraphQLJSONObject } from "graphql-scalars";
import { Directive, Field, Float, Int, ObjectType } from "type-graphql";

import { connectionOf } from "../shared/connection";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";
import type { FieldNeeds } from "../shared/selected-fields";

@Directive('@key(fields: "id")')
@ObjectType({
  description: "One queued job execution (Scale's queue table). Canceled entries stay, flagged, until claimed.",
})
export class QueueEntry {
  @Field(() => Int)
  id!: number;

  @Field(() => Int)
  jobTypeId!: number;

  @Field(() => Int)
  jobId!: number;

  @Field(() => Int, { nullable: true })
  recipeId!: number | null;

  @Field(() => Int, { nullable: true })
  batchId!: number | null;

  @Field(() => Int, { description: "The execution number this entry becomes (the job's num_exes after queueing)." })
  exeNum!: number;

  @Field(() => Float, { description: "MiB; 0 when the job's size is unknown." })
  inputFileSize!: number;

  @Field()
  isCanceled!: boolean;

  @Field(() => Int, { description: "Lower is more important." })
  priority!: number;

  @Field(() => Int, { description: "Seconds." })
  timeout!: number;

  @Field(() => GraphQLJSONObject, { description: "The job type's manifest when queued." })
  interface!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, {
    description: "Execution configuration: type configuration, job overrides, priority.",
  })
  configuration!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, {
    description: "Required resources, scaled by input size; disk at least the input size.",
  })
  resources!: Record<string, unknown>;

  @Field(() => DateTimeScalar)
  created!: Instant;

  @Field(() => DateTimeScalar, { description: "When queued; shared by every job queued in one call." })
  queued!: Instant;

  @Field()
  dockerImage!: string;
}

/** What QueueEntry fields read besides the property of their own name: its relations' keys. */
export const QUEUE_ENTRY_NEEDS: FieldNeeds = { job: ["jobId"], jobType: ["jobTypeId"] };

export const QueueEntryConnection = connectionOf(QueueEntry, "QueueEntry");

@ObjectType({ description: "Queue entries of one job type (canceled ones included until claimed)." })
export class QueueStatus {
  @Field(() => Int)
  jobTypeId!: number;

  @Field(() => Int)
  count!: number;

  @Field(() => DateTimeScalar, { description: "Queued time of the oldest entry." })
  longestQueued!: Instant;

  @Field(() => Int, { description: "The best (lowest) priority of the entries." })
  highestPriority!: number;
}
