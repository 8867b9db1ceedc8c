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
  /** The services built so far, by class. */
  private readonly built = new Map<new (context: ServiceContext) => object, object>();

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
    return this.service(FlowsService);
  }
  get queue(): QueueService {
    return this.service(QueueService);
  }
  get tasks(): TasksService {
    return this.service(TasksService);
  }
  get taskResults(): TaskResultsService {
    return this.service(TaskResultsService);
  }
  get taskResubmit(): TaskResubmitService {
    return this.service(TaskResubmitService);
  }
  get taskPurge(): TaskPurgeService {
    return this.service(TaskPurgeService);
  }
  get taskImport(): TaskImportService {
    return this.service(TaskImportService);
  }

  private service<T extends object>(Service: new (context: ServiceContext) => T): T {
    let built = this.built.get(Service) as T | undefined;
    if (!built) this.built.set(Service, (built = new Service(this.context)));
    return built;
  }
}

export function createServices(context: ServiceContext): Services {
  return new Services(context, new ChangeFeed(context));
}

export { ServiceContext } from "./shared/service-context";
export type { RequestScope } from "../db/request-scope";
export type { ChangeEntity, ChangeEvent, ChangeKind } from "./changes/change.model";
