import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, InputType } from "type-graphql";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

/** Every writable field of a task record except its id; shared by TaskRecordInput and TaskRecordPatch. */
@InputType("TaskRecordFields")
abstract class TaskRecordFields {
  @Field(() => GraphQLJSONObject, { nullable: true })
  header?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  content?: Record<string, unknown> | null;

  @Field(() => [String], { nullable: true, description: "Base64." })
  buffers?: string[] | null;

  @Field(() => DateTimeScalar, { nullable: true })
  submitted?: Instant | null;

  @Field(() => String, { nullable: true })
  clientUuid?: string | null;

  @Field(() => String, { nullable: true })
  engineUuid?: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  started?: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  completed?: Instant | null;

  @Field(() => String, { nullable: true })
  resubmitted?: string | null;

  @Field(() => String, { nullable: true })
  resubmittedFrom?: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  received?: Instant | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resultHeader?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resultMetadata?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resultContent?: Record<string, unknown> | null;

  @Field(() => [String], { nullable: true, description: "Base64." })
  resultBuffers?: string[] | null;

  @Field(() => String, { nullable: true })
  queue?: string | null;

  @Field(() => String, { nullable: true })
  executeInput?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  executeResult?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  error?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: "Defaults to '' as the Hub's init_record does." })
  stdout?: string | null;

  @Field(() => String, { nullable: true, description: "Defaults to '' as the Hub's init_record does." })
  stderr?: string | null;

  @Field(() => String, { nullable: true })
  label?: string | null;
}

@InputType({ description: "A task record to add; fields not given are stored as null." })
export class TaskRecordInput extends TaskRecordFields {
  @Field(() => ID)
  msgId!: string;
}

@InputType({ description: "Fields to change on a task record; fields not given stay as they are, null clears." })
export class TaskRecordPatch extends TaskRecordFields {}
