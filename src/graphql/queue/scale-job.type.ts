import { GraphQLJSONObject } from "graphql-scalars";
import { Directive, Field, Float, Int, ObjectType } from "type-graphql";

import { connectionOf } from "../shared/connection";
import type { FieldNeeds } from "../shared/selected-fields";
import { ScaleJobStatus } from "./scale-job-status.enum";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

@Directive('@key(fields: "id")')
@ObjectType({
  description: "A Scale job (not jobflow-remote's Job): what gets queued, with its execution count and tries.",
})
export class ScaleJob {
  @Field(() => Int)
  id!: number;

  @Field(() => Int)
  jobTypeId!: number;

  @Field(() => ScaleJobStatus)
  status!: ScaleJobStatus;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "The job's input; a job without input cannot be queued.",
  })
  input!: Record<string, unknown> | null;

  @Field(() => Float, { nullable: true, description: "Input size in MiB." })
  inputFileSize!: number | null;

  @Field(() => Int, { description: "Executions so far; each queue adds one." })
  numExes!: number;

  @Field(() => Int)
  maxTries!: number;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "Configuration override; its priority beats the job type's.",
  })
  configuration!: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true })
  recipeId!: number | null;

  @Field(() => Int, { nullable: true })
  batchId!: number | null;

  @Field(() => Int, { nullable: true, description: "The batch's configured priority; beats the job's own." })
  batchPriority!: number | null;

  @Field()
  isSuperseded!: boolean;

  @Field(() => String, { nullable: true })
  node!: string | null;

  @Field(() => String, { nullable: true })
  errorCategory!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  queued!: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  started!: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  ended!: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  lastStatusChange!: Instant | null;

  @Field(() => DateTimeScalar)
  created!: Instant;

  @Field(() => DateTimeScalar)
  lastModified!: Instant;
}

/** What ScaleJob fields read besides the property of their own name: its job type's key. */
export const SCALE_JOB_NEEDS: FieldNeeds = { jobType: ["jobTypeId"] };

export const ScaleJobConnection = connectionOf(ScaleJob, "ScaleJob");
