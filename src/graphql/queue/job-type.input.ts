import { GraphQLJSONObject } from "graphql-scalars";
import { Field, Float, InputType, Int } from "type-graphql";

@InputType()
export class JobTypeResourceInput {
  @Field()
  name!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => Float, { nullable: true })
  inputMultiplier?: number | null;
}

@InputType({ description: "Settings of a job type that may change after creation." })
export class JobTypePatch {
  @Field({ nullable: true })
  isActive?: boolean;

  @Field({ nullable: true })
  isPaused?: boolean;

  @Field(() => Int, { nullable: true })
  maxTries?: number;

  @Field(() => GraphQLJSONObject, { nullable: true })
  configuration?: Record<string, unknown>;

  @Field(() => String, { nullable: true })
  unmetResources?: string | null;
}

@InputType()
export class JobTypeInput {
  @Field()
  name!: string;

  @Field()
  version!: string;

  @Field(() => String, { nullable: true })
  title?: string;

  @Field(() => String, { nullable: true })
  description?: string;

  @Field({ nullable: true })
  isActive?: boolean;

  @Field({ nullable: true })
  isSystem?: boolean;

  @Field({ nullable: true })
  isPaused?: boolean;

  @Field({ nullable: true })
  isPublished?: boolean;

  @Field({ nullable: true })
  isLongRunning?: boolean;

  @Field(() => String, { nullable: true })
  iconCode?: string;

  @Field(() => String, { nullable: true })
  unmetResources?: string;

  @Field(() => Int, { nullable: true, description: "Default 3." })
  maxTries?: number;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'e.g. {"priority": 50}' })
  configuration?: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { nullable: true })
  manifest?: Record<string, unknown>;

  @Field({ nullable: true })
  dockerImage?: string;

  @Field(() => Int, { nullable: true, description: "Seconds; default the manifest's job.timeout, else 1800." })
  timeout?: number;

  @Field(() => [JobTypeResourceInput], { nullable: true })
  resources?: JobTypeResourceInput[];
}
