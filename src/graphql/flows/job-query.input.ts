import { GraphQLJSONObject } from "graphql-scalars";
import { Field, InputType, Int } from "type-graphql";

import type { JobState as JobStateName } from "../../services/flows/states";
import { FlowState, JobState } from "./job-state.enum";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

@InputType({ description: "A job by (uuid, index); without index, the highest index of the uuid." })
export class JobIdInput {
  @Field()
  uuid!: string;

  @Field(() => Int, { nullable: true })
  index?: number | null;
}

@InputType({
  description: "jobflow-remote's named job filters; all given conditions AND-ed, an empty list matches nothing.",
})
export class JobQueryInput {
  @Field(() => [String], { nullable: true })
  dbIds?: string[] | null;

  @Field(() => [JobIdInput], { nullable: true })
  jobIds?: JobIdInput[] | null;

  @Field(() => [String], { nullable: true, description: "Flow uuids." })
  flowIds?: string[] | null;

  @Field(() => [JobState], { nullable: true })
  states?: JobStateName[] | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "updatedOn ≥ startDate." })
  startDate?: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "updatedOn ≤ endDate." })
  endDate?: Instant | null;

  @Field(() => String, {
    nullable: true,
    description: "Glob on the name (*, ?, [abc], [!abc]); case-sensitive, anchored.",
  })
  name?: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "Each key (dotted for nested) must equal its value in metadata.",
  })
  metadata?: Record<string, unknown> | null;

  @Field(() => [String], { nullable: true })
  workers?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: "true: under an active lease; false: not." })
  locked?: boolean | null;
}

@InputType({ description: "Named flow filters; all given conditions AND-ed." })
export class FlowQueryInput {
  @Field(() => [String], { nullable: true, description: "Flows containing any of these job uuids." })
  jobIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: "Flows containing any of these job db ids." })
  dbIds?: string[] | null;

  @Field(() => [String], { nullable: true })
  flowIds?: string[] | null;

  @Field(() => [FlowState], { nullable: true })
  states?: string[] | null;

  @Field(() => DateTimeScalar, { nullable: true })
  startDate?: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  endDate?: Instant | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Boolean, { nullable: true })
  locked?: boolean | null;
}
