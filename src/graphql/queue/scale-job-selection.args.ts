import { ArgsType, Field } from "type-graphql";

import { SelectionWithAllArgs } from "../shared/selection.args";
import { ScaleJobReference } from "./scale-job.input";

/** requeueJobs / cancelQueuedJobs: named jobs, a filter over ScaleJob fields, or all: true. */
@ArgsType()
export class ScaleJobSelectionArgs extends SelectionWithAllArgs {
  @Field(() => [ScaleJobReference], { nullable: true, description: "Named jobs (instead of filter or all)." })
  jobs?: ScaleJobReference[] | null;
}
