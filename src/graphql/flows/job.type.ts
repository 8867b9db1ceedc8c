import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";
import { Directive, Field, ID, Int, ObjectType } from "type-graphql";

import { connectionOf } from "../shared/connection";
import type { FieldNeeds } from "../shared/selected-fields";
import { JobState } from "./job-state.enum";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

@Directive('@key(fields: "dbId")')
@Directive('@key(fields: "uuid index")')
@ObjectType({ description: "A job row (JobDoc): one (uuid, index) of a jobflow Job." })
export class Job {
  @Field(() => ID, { description: "Human id from an atomic counter; never reused." })
  dbId!: string;

  @Field()
  uuid!: string;

  @Field(() => Int, { description: "1 for the original; a replacing job has the same uuid and the next index." })
  index!: number;

  @Field()
  flowUuid!: string;

  @Field()
  name!: string;

  @Field(() => JobState)
  state!: string;

  @Field(() => String, { nullable: true })
  worker!: string | null;

  @Field(() => Int)
  priority!: number;

  @Field(() => GraphQLJSONObject)
  metadata!: Record<string, unknown>;

  @Field({ description: "'error' (default), 'none' or 'pass'." })
  onMissingReferences!: string;

  @Field(() => [String], {
    description:
      "Parent job uuids (every index of a parent uuid is a parent): the job-level list, which a detour extends with its leaves.",
  })
  parentUuids!: string[];

  @Field(() => [String], {
    description:
      "The flow-level parent uuids (FlowDoc.parents): the parents the job was inserted with, never changed by a detour. Rerun walks these.",
  })
  flowParentUuids!: string[];

  @Field(() => [String], {
    description: "Uuids of the flows enclosing the job, innermost sub-flow first, the stored flow last (job.hosts).",
  })
  hosts!: string[];

  @Field(() => JobState, { nullable: true, description: "The state whose runner step failed, in REMOTE_ERROR." })
  previousState!: string | null;

  @Field(() => String, { nullable: true, description: "Execution error (FAILED)." })
  error!: string | null;

  @Field(() => Int, { description: "remote.step_attempts: failed attempts of the current runner step." })
  stepAttempts!: number;

  @Field(() => String, { nullable: true, description: "remote.queue_state." })
  queueState!: string | null;

  @Field(() => String, { nullable: true, description: "remote.process_id." })
  processId!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "remote.retry_time_limit: no runner step before it." })
  retryTimeLimit!: Instant | null;

  @Field(() => String, { nullable: true, description: "remote.error: the last runner error." })
  remoteError!: string | null;

  @Field(() => String, { nullable: true })
  runDir!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  startTime!: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  endTime!: Instant | null;

  @Field(() => DateTimeScalar)
  createdOn!: Instant;

  @Field(() => DateTimeScalar)
  updatedOn!: Instant;

  @Field(() => GraphQLJSON, { nullable: true, description: "A named exec config (string) or an inline one (object)." })
  execConfig!: unknown;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resources!: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { nullable: true, description: "Response.stored_data, written at completion." })
  storedData!: unknown;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "The job's output, written at completion: outputJson parsed (with JavaScript's numbers).",
  })
  output!: unknown;

  @Field(() => String, {
    nullable: true,
    description: "The job's output as the exact JSON text completeJob received (null until COMPLETED).",
  })
  outputJson!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "jobflow's serialized Job (JobDoc.job) as the exact JSON text addFlow or a response received; null for a job added without one.",
  })
  documentJson!: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "documentJson parsed (with JavaScript's numbers), for people and tools.",
  })
  document!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: "The current or last lease's id (see isLocked)." })
  lockId!: string | null;

  @Field(() => String, { nullable: true })
  lockHolder!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  lockTime!: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  lockExpires!: Instant | null;
}

export const JobConnection = connectionOf(Job, "Job");

/** What Job fields read besides the property of their own name (column pruning; the relations' loader keys). */
export const JOB_NEEDS: FieldNeeds = {
  parentUuids: ["parents"],
  flowParentUuids: ["flowParents"],
  document: ["documentJson"],
  output: ["outputJson"],
  flow: ["flowUuid"],
  parents: ["dbId"],
  children: ["uuid"],
  isLocked: ["lockId", "lockExpires"],
  runTime: ["startTime", "endTime"],
  estimatedRunTime: ["startTime", "endTime"],
};

@ObjectType({ description: "One job row of a flow: jobflow-remote's FlowDoc.ids triple." })
export class JobId {
  @Field(() => ID)
  dbId!: string;

  @Field()
  uuid!: string;

  @Field(() => Int)
  index!: number;
}
