import { GraphQLJSONObject } from "graphql-scalars";
import { Field, Float, InputType, Int } from "type-graphql";

import { ScaleJobStatus } from "./scale-job-status.enum";

@InputType({
  description: "A job to create. Status and counters default to a new job's (PENDING, 0, the type's maxTries).",
})
export class ScaleJobInput {
  @Field(() => Int)
  jobTypeId!: number;

  @Field(() => ScaleJobStatus, { nullable: true })
  status?: ScaleJobStatus;

  @Field(() => GraphQLJSONObject, { nullable: true })
  input?: Record<string, unknown>;

  @Field(() => Float, { nullable: true })
  inputFileSize?: number;

  @Field(() => Int, { nullable: true })
  numExes?: number;

  @Field(() => Int, { nullable: true })
  maxTries?: number;

  @Field(() => GraphQLJSONObject, { nullable: true })
  configuration?: Record<string, unknown>;

  @Field(() => Int, { nullable: true })
  recipeId?: number;

  @Field(() => Int, { nullable: true })
  batchId?: number;

  @Field(() => Int, { nullable: true })
  batchPriority?: number;

  @Field({ nullable: true })
  isSuperseded?: boolean;

  @Field(() => String, { nullable: true })
  errorCategory?: string;
}

@InputType({
  description: "A job by id; with exeNum, skipped as STALE_EXE_NUM unless that is still its execution count.",
})
export class ScaleJobReference {
  @Field(() => Int)
  jobId!: number;

  @Field(() => Int, { nullable: true })
  exeNum?: number;
}
