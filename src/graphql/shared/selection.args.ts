import { ArgsType, Field, Int } from "type-graphql";

import { FilterScalar } from "../scalars";

/**
 * The arguments every mutation that acts on many records shares (the selection contract of
 * src/services/shared/selection.ts). Each bulk mutation's args extend this (or `SelectionWithAllArgs`) and add how
 * it names records (msgIds, jobs, a named-filter query).
 */
@ArgsType()
export class SelectionArgs {
  @Field(() => FilterScalar, {
    nullable: true,
    description:
      "Acts on the records this filter matches. A filter that puts no condition ({}, only $comment, $and of {} …) is refused.",
  })
  filter?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true, description: "Report what would change; change nothing." })
  dryRun?: boolean | null;

  @Field(() => Int, {
    nullable: true,
    description: "Refuse, changing nothing, when more records match; 0 = no limit (jobflow-remote's max_limit).",
  })
  maxLimit?: number | null;
}

/** A selection that may also be `all: true`: the only way to act on every record. */
@ArgsType()
export class SelectionWithAllArgs extends SelectionArgs {
  @Field(() => Boolean, { nullable: true, description: "Act on every record; nothing else may be given with it." })
  all?: boolean | null;
}
