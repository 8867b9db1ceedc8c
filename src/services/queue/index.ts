import type { ServiceContext } from "../service-context";
import { JobLoadService } from "./job-load.service";
import { JobTypeService } from "./job-type.service";
import { QueueJobsService } from "./queue-jobs.service";
import { QueueService } from "./queue.service";
import { ScaleJobService } from "./scale-job.service";

/** Scale's queue (scale-queue.md): job types, Scale jobs, the queue itself, queue operations and job load. */
export class QueueServices {
  readonly jobTypes: JobTypeService;
  readonly jobs: ScaleJobService;
  readonly entries: QueueService;
  readonly operations: QueueJobsService;
  readonly jobLoad: JobLoadService;

  constructor(ctx: ServiceContext) {
    this.jobTypes = new JobTypeService(ctx);
    this.operations = new QueueJobsService(ctx);
    this.jobs = new ScaleJobService(ctx, this.jobTypes, this.operations);
    this.entries = new QueueService(ctx);
    this.jobLoad = new JobLoadService(ctx);
  }
}

export { jobLoadIntervalFromEnv } from "./job-load.service";
