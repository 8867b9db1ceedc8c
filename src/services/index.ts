import type { RequestScope } from "../db/request-scope";
import type { ServiceContext } from "./shared/service-context";
import { ChangeFeed } from "./changes/change-feed";
import { FlowsService } from "./flows/flows.service";
import { QueueService } from "./queue/queue.service";
import { TaskImportService } from "./tasks/task-import.service";
import { TaskPurgeService } from "./tasks/task-purge.service";
import { TaskResubmitService } from "./tasks/task-resubmit.service";
import { TaskResultsService } from "./tasks/task-results.service";
import { TasksService } from "./tasks/tasks.service";

/**
 * Every domain service around one ServiceContext; each class is named after its property. The process builds one
 * set (`createServices`); each GraphQL request gets its own (`forRequest`), whose statements its scope bounds. A
 * service is built when first asked for: a request uses one or two of them. What must be one per process is
 * shared: the change feed here, the checkout coalescer through `ServiceContext.perProcess`.
 */
export class Services {
  private readonly built: {
    flows?: FlowsService;
    queue?: QueueService;
    tasks?: TasksService;
    taskResults?: TaskResultsService;
    taskResubmit?: TaskResubmitService;
    taskPurge?: TaskPurgeService;
    taskImport?: TaskImportService;
  } = {};

  constructor(
    readonly context: ServiceContext,
    /** Live changes for GraphQL subscriptions (docs/subscriptions.md). */
    readonly changes: ChangeFeed,
  ) {}

  /** The services of one request: the same store and process-wide objects, every statement bounded by `scope`. */
  forRequest(scope: RequestScope): Services {
    return new Services(this.context.forRequest(scope), this.changes);
  }

  get flows(): FlowsService {
    return (this.built.flows ??= new FlowsService(this.context));
  }
  get queue(): QueueService {
    return (this.built.queue ??= new QueueService(this.context));
  }
  get tasks(): TasksService {
    return (this.built.tasks ??= new TasksService(this.context));
  }
  get taskResults(): TaskResultsService {
    return (this.built.taskResults ??= new TaskResultsService(this.context));
  }
  get taskResubmit(): TaskResubmitService {
    return (this.built.taskResubmit ??= new TaskResubmitService(this.context));
  }
  get taskPurge(): TaskPurgeService {
    return (this.built.taskPurge ??= new TaskPurgeService(this.context));
  }
  get taskImport(): TaskImportService {
    return (this.built.taskImport ??= new TaskImportService(this.context));
  }
}

export function createServices(context: ServiceContext): Services {
  return new Services(context, new ChangeFeed(context));
}

export { ServiceContext } from "./shared/service-context";
export type { RequestScope } from "../db/request-scope";
export type { ChangeEntity, ChangeEvent, ChangeKind } from "./changes/change.model";
