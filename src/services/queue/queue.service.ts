import type { ServiceContext } from "../shared/service-context";
import { JobLoadService } from "./job-load.service";
import { JobTypesService } from "./job-types.service";
import { QueueOperationsService } from "./queue-operations.service";
import { QueueEntriesService } from "./queue-entries.service";
import { ScaleJobsService } from "./scale-jobs.service";

/** Scale's queue (scale-queue.md): job types, Scale jobs, the queue itself, queue operations and job load. */
export class QueueService {
  readonly jobTypes: JobTypesService;
  readonly jobs: ScaleJobsService;
  readonly entries: QueueEntriesService;
  readonly operations: QueueOperationsService;
  readonly jobLoad: JobLoadService;

  constructor(ctx: ServiceContext) {
    this.jobTypes = new JobTypesService(ctx);
    this.operations = new QueueOperationsService(ctx);
    this.jobs = new ScaleJobsService(ctx, this.jobTypes, this.operations);
    this.entries = new QueueEntriesService(ctx);
    this.jobLoad = new JobLoadService(ctx);
  }
}
