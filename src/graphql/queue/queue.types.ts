import { GraphQLJSONObject } from "graphql-scalars";
import { Directive, Field, Float, InputType, Int, ObjectType, registerEnumType } from "type-graphql";

import { connectionOf } from "../connection";

/**
 * Scale's queue (scale-queue.md) as GraphQL types. Scale's job is `ScaleJob` and its status `ScaleJobStatus`, so
 * they never meet jobflow-remote's `Job`/`JobState`.
 */
export enum ScaleJobStatus {
  PENDING = "PENDING",
  BLOCKED = "BLOCKED",
  QUEUED = "QUEUED",
  RUNNING = "RUNNING",
  FAILED = "FAILED",
  COMPLETED = "COMPLETED",
  CANCELED = "CANCELED",
}
registerEnumType(ScaleJobStatus, {
  name: "ScaleJobStatus",
  description: "A Scale job's status; FAILED, COMPLETED and CANCELED are final.",
});

export enum QueueOrderMode {
  FIFO = "FIFO",
  LIFO = "LIFO",
}
registerEnumType(QueueOrderMode, {
  name: "QueueOrderMode",
  description: "Scheduler order: priority ascending, then queued time (and id) ascending (FIFO) or descending (LIFO).",
});

export enum QueueAction {
  QUEUED = "QUEUED",
  UNCANCELED = "UNCANCELED",
  CANCELED = "CANCELED",
  SKIPPED = "SKIPPED",
}
registerEnumType(QueueAction, {
  name: "QueueAction",
  description: "What a queue, requeue or cancel did to one job (or would do, with dryRun).",
});

export enum QueueSkipReason {
  NOT_FOUND = "NOT_FOUND",
  STALE_EXE_NUM = "STALE_EXE_NUM",
  NOT_ELIGIBLE_STATUS = "NOT_ELIGIBLE_STATUS",
  ALREADY_QUEUED = "ALREADY_QUEUED",
  NEVER_QUEUED = "NEVER_QUEUED",
  NO_INPUT = "NO_INPUT",
  SUPERSEDED = "SUPERSEDED",
}
registerEnumType(QueueSkipReason, {
  name: "QueueSkipReason",
  description: "Why a job was skipped (Scale skips silently).",
  valuesConfig: {
    NOT_FOUND: { description: "No job with that id." },
    STALE_EXE_NUM: { description: "The exeNum given is not the job's current execution count (already handled)." },
    NOT_ELIGIBLE_STATUS: {
      description: "The job's status does not allow it (e.g. COMPLETED, or not PENDING/BLOCKED for a first queue).",
    },
    ALREADY_QUEUED: { description: "A first queue of a job that has run before: use requeueJobs." },
    NEVER_QUEUED: { description: "A requeue of a job that was never queued: use queueJobs." },
    NO_INPUT: { description: "The job has no input." },
    SUPERSEDED: { description: "The job is superseded." },
  },
});

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

  @Field(() => Date)
  created!: Date;

  @Field(() => Date)
  lastModified!: Date;
}

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

  @Field(() => Date, { nullable: true })
  queued!: Date | null;

  @Field(() => Date, { nullable: true })
  started!: Date | null;

  @Field(() => Date, { nullable: true })
  ended!: Date | null;

  @Field(() => Date, { nullable: true })
  lastStatusChange!: Date | null;

  @Field(() => Date)
  created!: Date;

  @Field(() => Date)
  lastModified!: Date;
}

@Directive('@key(fields: "id")')
@ObjectType({
  description: "One queued job execution (Scale's queue table). Canceled entries stay, flagged, until claimed.",
})
export class QueueEntry {
  @Field(() => Int)
  id!: number;

  @Field(() => Int)
  jobTypeId!: number;

  @Field(() => Int)
  jobId!: number;

  @Field(() => Int, { nullable: true })
  recipeId!: number | null;

  @Field(() => Int, { nullable: true })
  batchId!: number | null;

  @Field(() => Int, { description: "The execution number this entry becomes (the job's num_exes after queueing)." })
  exeNum!: number;

  @Field(() => Float, { description: "MiB; 0 when the job's size is unknown." })
  inputFileSize!: number;

  @Field()
  isCanceled!: boolean;

  @Field(() => Int, { description: "Lower is more important." })
  priority!: number;

  @Field(() => Int, { description: "Seconds." })
  timeout!: number;

  @Field(() => GraphQLJSONObject, { description: "The job type's manifest when queued." })
  interface!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, {
    description: "Execution configuration: type configuration, job overrides, priority.",
  })
  configuration!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, {
    description: "Required resources, scaled by input size; disk at least the input size.",
  })
  resources!: Record<string, unknown>;

  @Field(() => Date)
  created!: Date;

  @Field(() => Date, { description: "When queued; shared by every job queued in one call." })
  queued!: Date;

  @Field()
  dockerImage!: string;
}

export const QueueEntryConnection = connectionOf(QueueEntry, "QueueEntry");
export const ScaleJobConnection = connectionOf(ScaleJob, "ScaleJob");

@ObjectType({ description: "Queue entries of one job type (canceled ones included until claimed)." })
export class QueueStatus {
  @Field(() => Int)
  jobTypeId!: number;

  @Field(() => Int)
  count!: number;

  @Field(() => Date, { description: "Queued time of the oldest entry." })
  longestQueued!: Date;

  @Field(() => Int, { description: "The best (lowest) priority of the entries." })
  highestPriority!: number;
}

@ObjectType({ description: "Job load at one measurement, summed over the job types asked for." })
export class JobLoadGroup {
  @Field(() => Date)
  time!: Date;

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

  @Field(() => Date)
  measured!: Date;

  @Field(() => Int)
  pendingCount!: number;

  @Field(() => Int)
  queuedCount!: number;

  @Field(() => Int)
  runningCount!: number;

  @Field(() => Int, { description: "pending + queued + running (BLOCKED is not counted)." })
  totalCount!: number;
}

@ObjectType({ description: "What happened to one job." })
export class ScaleJobQueueOutcome {
  @Field(() => Int)
  jobId!: number;

  @Field(() => QueueAction)
  action!: QueueAction;

  @Field(() => QueueSkipReason, { nullable: true })
  reason!: QueueSkipReason | null;

  @Field(() => Int, { nullable: true, description: "QUEUED: the new entry's execution number." })
  exeNum!: number | null;

  @Field(() => Int, { nullable: true, description: "QUEUED: the priority written to the entry." })
  priority!: number | null;
}

@ObjectType({ description: "Per-job outcomes of queueJobs, requeueJobs or cancelQueuedJobs." })
export class QueueOperationResult {
  @Field({ description: "True when nothing was written." })
  dryRun!: boolean;

  @Field(() => Int)
  queuedCount!: number;

  @Field(() => Int)
  uncanceledCount!: number;

  @Field(() => Int)
  canceledCount!: number;

  @Field(() => Int)
  skippedCount!: number;

  @Field(() => [ScaleJobQueueOutcome], {
    description: "Named jobs in the order given; filter matches by id descending.",
  })
  outcomes!: ScaleJobQueueOutcome[];
}

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
