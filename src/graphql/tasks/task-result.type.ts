import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

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

  @Field(() => DateTimeScalar, { nullable: true })
  submitted?: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  started?: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  completed?: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "When the Hub received the reply." })
  received?: Instant | null;

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
