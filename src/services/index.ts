import type { ServiceContext } from "./shared/service-context";
import { ChangeFeed } from "./changes/change-feed";
import { FlowsService } from "./flows/flows.service";
import { QueueService } from "./queue/queue.service";
import { TaskImportService } from "./tasks/task-import.service";
import { TaskPurgeService } from "./tasks/task-purge.service";
import { TaskResubmitService } from "./tasks/task-resubmit.service";
import { TaskResultsService } from "./tasks/task-results.service";
import { TasksService } from "./tasks/tasks.service";

/** Every domain service, built once per process around one ServiceContext; each class is named after its property. */
export interface Services {
  readonly context: ServiceContext;
  readonly flows: FlowsService;
  readonly queue: QueueService;
  readonly tasks: TasksService;
  readonly taskResults: TaskResultsService;
  readonly taskResubmit: TaskResubmitService;
  readonly taskPurge: TaskPurgeService;
  /** Live changes for GraphQL subscriptions (docs/subscriptions.md). */
  readonly changes: ChangeFeed;
  readonly taskImport: TaskImportService;
}

export function createServices(context: ServiceContext): Services {
  return {
    context,
    flows: new FlowsService(context),
    queue: new QueueService(context),
    tasks: new TasksService(context),
    taskResults: new TaskResultsService(context),
    taskResubmit: new TaskResubmitService(context),
    taskPurge: new TaskPurgeService(context),
    changes: new ChangeFeed(context),
    taskImport: new TaskImportService(context),
  };
}

export { ServiceContext } from "./shared/service-context";
export type { ChangeEntity, ChangeEvent, ChangeKind } from "./changes/change.model";
