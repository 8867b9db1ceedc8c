import { Field, ID, Int, ObjectType } from "type-graphql";

import type { ChangeEvent } from "../../services";
import { ChangeKind } from "./change-kind.enum";

/**
 * A change as the subscription resolvers hand it to the change types: the feed's event (entity, kind, key, and
 * the batch it was read in) — the node fields load the record through the batch's loaders.
 */
export type ChangeRoot = ChangeEvent;

@ObjectType({ description: "A task record was added, updated or deleted." })
export class TaskRecordChange {
  @Field(() => ChangeKind)
  kind!: ChangeKind;

  @Field(() => ID)
  msgId!: string;
}

@ObjectType({ description: "A job row was added, updated or deleted." })
export class JobChange {
  @Field(() => ChangeKind)
  kind!: ChangeKind;

  @Field(() => ID)
  dbId!: string;
}

@ObjectType({ description: "A flow was added, updated or deleted." })
export class FlowChange {
  @Field(() => ChangeKind)
  kind!: ChangeKind;

  @Field(() => ID)
  uuid!: string;
}

@ObjectType({ description: "A queue entry was added, updated or deleted." })
export class QueueEntryChange {
  @Field(() => ChangeKind)
  kind!: ChangeKind;

  @Field(() => Int)
  id!: number;
}
