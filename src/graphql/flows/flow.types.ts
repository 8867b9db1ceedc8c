import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";
import { ArgsType, Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";

import { FLOW_SORT_FIELDS, JOB_SORT_FIELDS } from "../../services/flows/model";
import { FLOW_STATES, JOB_STATES, type JobState as JobStateName } from "../../services/flows/states";
import { SortDirection } from "../common.types";
import { connectionOf } from "../connection";
import { FilterScalar } from "../scalars";

const enumOf = <T extends string>(names: readonly T[]) =>
  Object.fromEntries(names.map((name) => [name, name])) as { [K in T]: K };

/** jobflow-remote's JobState and FlowState (jobflow-remote.md §1), one list with the service layer. */
export const JobState = enumOf(JOB_STATES);
export const FlowState = enumOf(FLOW_STATES);
export const JobOrderField = enumOf(Object.keys(JOB_SORT_FIELDS) as (keyof typeof JOB_SORT_FIELDS)[]);
export const FlowOrderField = enumOf(Object.keys(FLOW_SORT_FIELDS) as (keyof typeof FLOW_SORT_FIELDS)[]);

registerEnumType(JobState, { name: "JobState", description: "jobflow-remote's JobState (docs/flows-and-jobs.md)." });
registerEnumType(FlowState, {
  name: "FlowState",
  description: "jobflow-remote's FlowState, derived from the job states.",
});
registerEnumType(JobOrderField, { name: "JobOrderField", description: "DB_ID sorts numerically." });
registerEnumType(FlowOrderField, { name: "FlowOrderField" });

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

  @Field(() => [String], { description: "Parent job uuids (every index of a parent uuid is a parent)." })
  parentUuids!: string[];

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

  @Field(() => Date, { nullable: true, description: "remote.retry_time_limit: no runner step before it." })
  retryTimeLimit!: Date | null;

  @Field(() => String, { nullable: true, description: "remote.error: the last runner error." })
  remoteError!: string | null;

  @Field(() => String, { nullable: true })
  runDir!: string | null;

  @Field(() => Date, { nullable: true })
  startTime!: Date | null;

  @Field(() => Date, { nullable: true })
  endTime!: Date | null;

  @Field(() => Date)
  createdOn!: Date;

  @Field(() => Date)
  updatedOn!: Date;

  @Field(() => GraphQLJSON, { nullable: true, description: "A named exec config (string) or an inline one (object)." })
  execConfig!: unknown;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resources!: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { nullable: true, description: "Response.stored_data, written at completion." })
  storedData!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: "The job's output, written at completion." })
  output!: unknown;

  @Field(() => String, { nullable: true, description: "The current or last lease's id (see isLocked)." })
  lockId!: string | null;

  @Field(() => String, { nullable: true })
  lockHolder!: string | null;

  @Field(() => Date, { nullable: true })
  lockTime!: Date | null;

  @Field(() => Date, { nullable: true })
  lockExpires!: Date | null;
}

export const JobConnection = connectionOf(Job, "Job");

@ObjectType({ description: "One job row of a flow: jobflow-remote's FlowDoc.ids triple." })
export class JobId {
  @Field(() => ID)
  dbId!: string;

  @Field()
  uuid!: string;

  @Field(() => Int)
  index!: number;
}

@Directive('@key(fields: "uuid")')
@ObjectType({ description: "A flow (FlowDoc). Its job lists are derived from the job rows." })
export class Flow {
  @Field(() => ID)
  uuid!: string;

  @Field()
  name!: string;

  @Field(() => FlowState)
  state!: string;

  @Field(() => GraphQLJSONObject)
  metadata!: Record<string, unknown>;

  @Field(() => String, { nullable: true })
  lockId!: string | null;

  @Field(() => String, { nullable: true })
  lockHolder!: string | null;

  @Field(() => Date, { nullable: true })
  lockTime!: Date | null;

  @Field(() => Date, { nullable: true })
  lockExpires!: Date | null;

  @Field(() => Date)
  createdOn!: Date;

  @Field(() => Date)
  updatedOn!: Date;
}

export const FlowConnection = connectionOf(Flow, "Flow");

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

  @Field(() => Date)
  lockedSince!: Date;

  @Field(() => Date)
  expiresAt!: Date;

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

  @Field(() => Date, { nullable: true, description: "updatedOn ≥ startDate." })
  startDate?: Date | null;

  @Field(() => Date, { nullable: true, description: "updatedOn ≤ endDate." })
  endDate?: Date | null;

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

  @Field(() => Date, { nullable: true })
  startDate?: Date | null;

  @Field(() => Date, { nullable: true })
  endDate?: Date | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Boolean, { nullable: true })
  locked?: boolean | null;
}

@InputType()
export class JobOrder {
  @Field(() => JobOrderField)
  field!: keyof typeof JOB_SORT_FIELDS;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction!: SortDirection;
}

@InputType()
export class FlowOrder {
  @Field(() => FlowOrderField)
  field!: keyof typeof FLOW_SORT_FIELDS;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction!: SortDirection;
}

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

@ArgsType()
export class JobKeyArgs {
  @Field(() => String, { nullable: true })
  dbId?: string | null;

  @Field(() => String, { nullable: true })
  uuid?: string | null;

  @Field(() => Int, { nullable: true, description: "With uuid; the highest index when omitted." })
  index?: number | null;
}

@ArgsType()
export class LockArgs {
  @Field(() => Float, {
    nullable: true,
    description: "Seconds to keep trying while a job or flow is leased by someone else.",
  })
  wait?: number | null;

  @Field(() => Boolean, { nullable: true, description: "Ignore and clear other holders' leases." })
  breakLock?: boolean | null;

  @Field(() => String, { nullable: true, description: "Your own lease's id: what it covers is not locked for you." })
  lockId?: string | null;
}

@ArgsType()
export class JobSelectionArgs {
  @Field(() => FilterScalar, { nullable: true })
  filter?: Record<string, unknown> | null;

  @Field(() => JobQueryInput, { nullable: true })
  query?: JobQueryInput | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Required to act on every job when no filter or query is given.",
  })
  all?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Report what would change; change nothing." })
  dryRun?: boolean | null;

  @Field(() => Int, { nullable: true, description: "Refuse, changing nothing, when more jobs match (0 = no limit)." })
  maxLimit?: number | null;
}

@ArgsType()
export class FlowSelectionArgs {
  @Field(() => FilterScalar, { nullable: true })
  filter?: Record<string, unknown> | null;

  @Field(() => FlowQueryInput, { nullable: true })
  query?: FlowQueryInput | null;

  @Field(() => Boolean, { nullable: true })
  all?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  dryRun?: boolean | null;

  @Field(() => Int, { nullable: true })
  maxLimit?: number | null;
}

@ArgsType()
export class LeaseArgs {
  @Field({ description: "Who takes the lease (shown in LOCKED errors)." })
  holder!: string;

  @Field(() => Float, { nullable: true, description: "Lease length; HUBQL_JOBFLOW_LOCK_TTL_SECONDS (300) by default." })
  ttlSeconds?: number | null;

  @Field(() => Float, { nullable: true })
  wait?: number | null;

  @Field(() => Boolean, { nullable: true })
  breakLock?: boolean | null;
}
