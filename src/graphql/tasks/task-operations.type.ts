import { Field, ID, Int, ObjectType } from "type-graphql";

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
