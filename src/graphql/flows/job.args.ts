import { ArgsType, Field, Float, Int } from "type-graphql";

import { SelectionWithAllArgs } from "../shared/selection.args";
import { FlowQueryInput, JobQueryInput } from "./job-query.input";

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
export class JobSelectionArgs extends SelectionWithAllArgs {
  @Field(() => JobQueryInput, { nullable: true, description: "jobflow-remote's named filters, AND-ed with filter." })
  query?: JobQueryInput | null;
}

@ArgsType()
export class FlowSelectionArgs extends SelectionWithAllArgs {
  @Field(() => FlowQueryInput, { nullable: true, description: "Named flow filters, AND-ed with filter." })
  query?: FlowQueryInput | null;
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
