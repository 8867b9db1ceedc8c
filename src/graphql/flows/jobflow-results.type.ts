import { Field, ID, Int, ObjectType } from "type-graphql";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

/** What reads of counts and the jobflow mutations answer besides jobs and flows. */
@ObjectType()
export class StateCount {
  @Field()
  state!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: "What a bulk job operation changed (or, with dryRun, would change)." })
export class BulkJobResult {
  @Field(() => [String], { description: "db ids of the jobs changed, in numeric order." })
  dbIds!: string[];

  @Field(() => Int, { description: "How many jobs the selection matched." })
  matched!: number;

  @Field()
  dryRun!: boolean;
}

@ObjectType()
export class DeleteFlowsResult {
  @Field(() => [String])
  flowUuids!: string[];

  @Field(() => Int)
  deletedJobs!: number;

  @Field(() => Int)
  matched!: number;

  @Field()
  dryRun!: boolean;
}

@ObjectType()
export class UnlockResult {
  @Field(() => Int, { description: "How many leases were (or would be) cleared." })
  count!: number;

  @Field()
  dryRun!: boolean;
}

@ObjectType({ description: "A lease on a job or a flow: who holds it, since when, until when." })
export class Lease {
  @Field(() => ID)
  lockId!: string;

  @Field()
  holder!: string;

  @Field(() => DateTimeScalar)
  lockedSince!: Instant;

  @Field(() => DateTimeScalar)
  expiresAt!: Instant;

  @Field(() => String, { nullable: true })
  jobDbId!: string | null;

  @Field(() => String, { nullable: true })
  flowUuid!: string | null;
}

@ObjectType()
export class BatchProcess {
  @Field()
  worker!: string;

  @Field()
  processId!: string;

  @Field()
  processUuid!: string;
}
