import type { NonEmptyArray } from "type-graphql";

import { connectionResolvers } from "./shared/connection";

import { CHANGE_RESOLVERS } from "./changes/change.resolver";
import { JOBFLOW_RESOLVERS } from "./flows";
import { QUEUE_RESOLVERS } from "./queue";
import { TaskOperationsResolver } from "./tasks/task-operations.resolver";
import { TaskRecordResolver } from "./tasks/task-record.resolver";

/** Every resolver class of the subgraph. Each area adds its own here. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  TaskRecordResolver,
  TaskOperationsResolver,
  ...QUEUE_RESOLVERS,
  ...JOBFLOW_RESOLVERS,
  ...connectionResolvers,
  ...CHANGE_RESOLVERS,
];
