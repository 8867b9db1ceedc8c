import { ArgsType, Field, ID } from "type-graphql";

import { SelectionArgs, SelectionWithAllArgs } from "../shared/selection.args";

@ArgsType()
export class ResubmitTasksArgs extends SelectionArgs {
  @Field(() => [ID], { nullable: true, description: "The records to resubmit (instead of filter)." })
  msgIds?: string[] | null;
}

@ArgsType()
export class PurgeTaskRecordsArgs extends SelectionWithAllArgs {
  @Field(() => [ID], { nullable: true })
  msgIds?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: "The Hub's by-engine purge: completed records of these engines.",
  })
  engineUuids?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: "Also remove records that have not completed." })
  force?: boolean | null;
}
