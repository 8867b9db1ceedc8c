import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";

export enum TaskResultStatus {
  PENDING = "PENDING",
  COMPLETED = "COMPLETED",
  UNKNOWN = "UNKNOWN",
  CULLED = "CULLED",
}

registerEnumType(TaskResultStatus, {
  name: "TaskResultStatus",
  description: "What the store knows of a msg_id.",
  valuesConfig: {
    PENDING: { description: "The record exists and has no `completed` time yet." },
    COMPLETED: { description: "The record exists and has completed." },
    UNKNOWN: { description: "No record with this msg_id (never added, or purged)." },
    CULLED: { description: "Removed by retention (record-count or buffer-size limit)." },
  },
});

/** The Hub's result_request payload for one id (ipython-hub.md §10), flattened; IOPub fields are top level. */
@ObjectType({ description: "Status and, when known, the stored result of one task." })
export class TaskResult {
  @Field(() => ID)
  msgId!: string;

  @Field(() => TaskResultStatus)
  status!: TaskResultStatus;

  @Field(() => GraphQLJSONObject, { nullable: true, description: "The request header." })
  header?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: "The request metadata." })
  metadata?: Record<string, unknown> | null;

  @Field(() => Date, { nullable: true })
  submitted?: Date | null;

  @Field(() => Date, { nullable: true })
  started?: Date | null;

  @Field(() => Date, { nullable: true })
  completed?: Date | null;

  @Field(() => Date, { nullable: true, description: "When the Hub received the reply." })
  received?: Date | null;

  @Field(() => String, { nullable: true })
  engineUuid?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resultHeader?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resultMetadata?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resultContent?: Record<string, unknown> | null;

  @Field(() => [String], { nullable: true, description: "Reply buffers (the serialized result), base64." })
  resultBuffers?: string[] | null;

  @Field(() => String, { nullable: true })
  executeInput?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  executeResult?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  error?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: "Output so far while pending." })
  stdout?: string | null;

  @Field(() => String, { nullable: true })
  stderr?: string | null;
}

@ObjectType()
export class Resubmission {
  @Field(() => ID, { description: "The msg_id that was resubmitted." })
  original!: string;

  @Field(() => ID, { nullable: true, description: "The new record's msg_id; null in a dry run." })
  new!: string | null;
}

@ObjectType()
export class ResubmitResult {
  @Field(() => [Resubmission], { description: "In request order for msgIds, by submit time for a filter." })
  resubmitted!: Resubmission[];

  @Field()
  dryRun!: boolean;
}

@ObjectType()
export class PurgeResult {
  @Field(() => Int, { description: "Records removed (with dryRun: that would be removed)." })
  count!: number;

  @Field(() => [ID], { description: "Their msg_ids, at most HUBQL_MAX_PAGE_SIZE of them." })
  msgIds!: string[];

  @Field({ description: "True when msgIds lists fewer ids than count." })
  msgIdsTruncated!: boolean;

  @Field(() => Int, {
    description: "Selected records kept because they are not completed (all / engineUuids without force).",
  })
  keptIncomplete!: number;

  @Field()
  dryRun!: boolean;
}
