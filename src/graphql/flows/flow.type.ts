import { GraphQLJSONObject } from "graphql-scalars";
import { Directive, Field, ID, ObjectType } from "type-graphql";

import { connectionOf } from "../shared/connection";
import type { FieldNeeds } from "../shared/selected-fields";
import { FlowState } from "./job-state.enum";
import type { Instant } from "../../dialect";
import { DateTimeScalar } from "../scalars/date-time.scalar";

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

  @Field(() => DateTimeScalar, { nullable: true })
  lockTime!: Instant | null;

  @Field(() => DateTimeScalar, { nullable: true })
  lockExpires!: Instant | null;

  @Field(() => DateTimeScalar)
  createdOn!: Instant;

  @Field(() => DateTimeScalar)
  updatedOn!: Instant;
}

export const FlowConnection = connectionOf(Flow, "Flow");

/** What Flow fields read besides the property of their own name: the FlowDoc views load the flow's jobs by uuid. */
export const FLOW_NEEDS: FieldNeeds = {
  jobs: ["uuid"],
  jobUuids: ["uuid"],
  ids: ["uuid"],
  parents: ["uuid"],
  // The document is read with its jobs' documents by the flowDocument loader.
  documentJson: ["uuid"],
  document: ["uuid"],
  isLocked: ["lockId", "lockExpires"],
};
