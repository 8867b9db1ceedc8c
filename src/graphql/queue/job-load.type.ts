import { Field, Int, ObjectType } from "type-graphql";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

@ObjectType({ description: "Job load at one measurement, summed over the job types asked for." })
export class JobLoadGroup {
  @Field(() => DateTimeScalar)
  time!: Instant;

  @Field(() => Int)
  pendingCount!: number;

  @Field(() => Int)
  queuedCount!: number;

  @Field(() => Int)
  runningCount!: number;
}

@ObjectType({
  description: "One stored job-load row; jobTypeId is null on the placeholder written when nothing is active.",
})
export class JobLoadSnapshot {
  @Field(() => Int)
  id!: number;

  @Field(() => Int, { nullable: true })
  jobTypeId!: number | null;

  @Field(() => DateTimeScalar)
  measured!: Instant;

  @Field(() => Int)
  pendingCount!: number;

  @Field(() => Int)
  queuedCount!: number;

  @Field(() => Int)
  runningCount!: number;

  @Field(() => Int, { description: "pending + queued + running (BLOCKED is not counted)." })
  totalCount!: number;
}
