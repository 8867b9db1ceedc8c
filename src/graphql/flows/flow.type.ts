import { GraphQLJSONObject } from "graphql-scalars";
import { Directive, Field, ID, ObjectType } from "type-graphql";

import { connectionOf } from "../shared/connection";
import { FlowState } from "./job-state.enum";

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

  @Field(() => String, {
    nullable: true,
    description:
      "Flow.as_dict() as submitted (FlowInput.documentJson), each job placeholder replaced by that job's exact documentJson; null when none was sent.",
  })
  documentJson!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: "documentJson parsed (with JavaScript's numbers)." })
  document!: Record<string, unknown> | null;

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
