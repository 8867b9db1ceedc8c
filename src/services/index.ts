import { JobflowService } from "./flows/jobflow.service";
import { QueueServices } from "./queue";
import type { ServiceContext } from "./service-context";
import { TaskRecordService } from "./tasks/task-record.service";
import { TaskPurgeService } from "./tasks/purge";
import { TaskResubmitService } from "./tasks/resubmit";
import { TaskResultsService } from "./tasks/task-results.service";

/** Every domain service, built once per process around one ServiceContext. */
export interface Services {
  readonly context: ServiceContext;
  readonly flows: JobflowService;
  readonly queue: QueueServices;
  readonly tasks: TaskRecordService;
  readonly taskResults: TaskResultsService;
  readonly taskResubmit: TaskResubmitService;
  readonly taskPurge: TaskPurgeService;
}

export function createServices(context: ServiceContext): Services {
  return {
    context,
    flows: new JobflowService(context),
    queue: new QueueServices(context),
    tasks: new TaskRecordService(context),
    taskResults: new TaskResultsService(context),
    taskResubmit: new TaskResubmitService(context),
    taskPurge: new TaskPurgeService(context),
  };
}

export { ServiceContext } from "./service-context";
