import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";
import { Field, InputType, Int } from "type-graphql";

@InputType({ description: "A job of a new flow (or of a dynamic response)." })
export class JobInput {
  @Field(() => String, { nullable: true, description: "Generated when omitted." })
  uuid?: string | null;

  @Field()
  name!: string;

  @Field(() => [String], { nullable: true, description: "Parent job uuids within the flow." })
  parents?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: "Uuids of the sub-flows enclosing the job, innermost first; the flow's own uuid is added last.",
  })
  hosts?: string[] | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: "'error' (default), 'none' or 'pass'." })
  onMissingReferences?: string | null;

  @Field(() => String, { nullable: true })
  worker?: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  execConfig?: unknown;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resources?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true })
  priority?: number | null;
}

@InputType()
export class FlowInput {
  @Field(() => String, { nullable: true, description: "Generated when omitted." })
  uuid?: string | null;

  @Field()
  name!: string;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata?: Record<string, unknown> | null;

  @Field(() => [JobInput])
  jobs!: JobInput[];

  @Field(() => String, { nullable: true, description: "Default worker of every job." })
  worker?: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  execConfig?: unknown;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resources?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true })
  priority?: number | null;
}

@InputType({ description: "A jobflow Response: output, stored data, dynamic jobs, stop requests." })
export class JobResponseInput {
  @Field(() => GraphQLJSON, { nullable: true })
  output?: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  storedData?: unknown;

  @Field(() => JobInput, { nullable: true, description: "Replaces this job: same uuid, next index, same parents." })
  replace?: JobInput | null;

  @Field(() => [JobInput], { nullable: true, description: "New jobs; their roots wait for this job." })
  addition?: JobInput[] | null;

  @Field(() => [JobInput], {
    nullable: true,
    description: "Like addition; this job's children also wait for the new leaves.",
  })
  detour?: JobInput[] | null;

  @Field(() => Boolean, { nullable: true })
  stopChildren?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  stopJobflow?: boolean | null;
}
