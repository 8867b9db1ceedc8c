import { GraphQLJSONObject } from "graphql-scalars";
import { Directive, Field, Float, Int, ObjectType } from "type-graphql";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

import type { FieldNeeds } from "../shared/selected-fields";

@ObjectType({ description: "One scalar resource a job type needs: value + inputMultiplier × input size (MiB)." })
export class JobTypeResource {
  @Field()
  name!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => Float, { nullable: true })
  inputMultiplier?: number | null;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: "A Scale job type: what a queued job runs." })
export class JobType {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field()
  version!: string;

  @Field(() => String, { nullable: true, description: "The manifest's job.title unless given." })
  title!: string | null;

  @Field(() => String, { nullable: true, description: "The manifest's job.description unless given." })
  description!: string | null;

  @Field()
  isActive!: boolean;

  @Field({ description: "Stored and returned as it is (Scale's queue status always said false)." })
  isSystem!: boolean;

  @Field({ description: "Paused types keep their queue entries; claimQueueEntry passes them over." })
  isPaused!: boolean;

  @Field()
  isPublished!: boolean;

  @Field()
  isLongRunning!: boolean;

  @Field(() => String, { nullable: true })
  iconCode!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Resources no node can offer, as the scheduler reported them (Scale's queue status always said null).",
  })
  unmetResources!: string | null;

  @Field(() => Int, { description: "Tries a new job gets, and what a requeue adds to its execution count." })
  maxTries!: number;

  @Field(() => GraphQLJSONObject, {
    description: "Job-type configuration; its priority (default 100) is the fallback priority of its jobs.",
  })
  configuration!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { description: "The Seed manifest, snapshotted into each queue entry's interface." })
  manifest!: Record<string, unknown>;

  @Field()
  dockerImage!: string;

  @Field(() => Int, { description: "Execution timeout in seconds." })
  timeout!: number;

  @Field(() => [JobTypeResource])
  resources!: JobTypeResource[];

  @Field(() => DateTimeScalar)
  created!: Instant;

  @Field(() => DateTimeScalar)
  lastModified!: Instant;
}

/** JobType fields are its columns, each read by its own name. */
export const JOB_TYPE_NEEDS: FieldNeeds = {};
