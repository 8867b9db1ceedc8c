import { GraphQLJSONObject } from "graphql-scalars";
import { Directive, Field, ID, ObjectType } from "type-graphql";

import { connectionOf } from "../shared/connection";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";
import type { FieldNeeds } from "../shared/selected-fields";

/** Field names follow the Hub's TaskRecord keys in camelCase (ipython-hub.md §2). */
@Directive('@key(fields: "msgId")')
@ObjectType({ description: "A task record as the IPython parallel Hub keeps it." })
export class TaskRecord {
  @Field(() => ID, { description: "The request's msg_id (a uuid)." })
  msgId!: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: "The request header." })
  header!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "The request metadata (label, targets, after, follow, timeout, retries).",
  })
  metadata!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  content!: Record<string, unknown> | null;

  @Field(() => [String], {
    nullable: true,
    description: "Request buffers (serialized function and arguments), base64.",
  })
  buffers!: string[] | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "When the client submitted the request (header.date)." })
  submitted!: Instant | null;

  @Field(() => String, { nullable: true, description: "The submitting client's session." })
  clientUuid!: string | null;

  @Field(() => String, { nullable: true })
  engineUuid!: string | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "Set at completion from the reply metadata; null while running.",
  })
  started!: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  completed!: Instant | null;

  @Field(() => String, { nullable: true, description: "On an original: the msg_id of its latest resubmission." })
  resubmitted!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "On a resubmission: the msg_id of the record it resubmitted (hubql's own back link).",
  })
  resubmittedFrom!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "When the Hub received the reply." })
  received!: Instant | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resultHeader!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resultMetadata!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resultContent!: Record<string, unknown> | null;

  @Field(() => [String], { nullable: true, description: "Reply buffers (the serialized result), base64." })
  resultBuffers!: string[] | null;

  @Field(() => String, {
    nullable: true,
    description: "'mux', 'task' (load-balanced and every resubmission), or null (broadcast).",
  })
  queue!: string | null;

  @Field(() => String, { nullable: true })
  executeInput!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  executeResult!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  error!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true })
  stdout!: string | null;

  @Field(() => String, { nullable: true })
  stderr!: string | null;

  @Field(() => String, { nullable: true })
  label!: string | null;
}

export const TaskRecordConnection = connectionOf(TaskRecord, "TaskRecord");

/** TaskRecord fields are its columns, each read by its own name. */
export const TASK_RECORD_NEEDS: FieldNeeds = {};
