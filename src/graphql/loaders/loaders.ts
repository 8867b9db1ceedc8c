import DataLoader from "dataloader";

import type { Services } from "../../services";
import { JobflowLoaders } from "./jobflow.loaders";
import type { JobTypeRow, QueueEntryRow, ScaleJobRow } from "../../services/queue/queue.model";
import type { TaskRecordNode } from "../../services/tasks/tasks.service";

/**
 * Per-request batch loaders: everything fetched by id within one request (federation `_entities`, relation
 * fields) becomes one SQL statement per entity type instead of one per id.
 */
export class Loaders {
  readonly taskRecord: DataLoader<string, TaskRecordNode | null>;
  readonly jobType: DataLoader<number, JobTypeRow | null>;
  readonly scaleJob: DataLoader<number, ScaleJobRow | null>;
  readonly queueEntry: DataLoader<number, QueueEntryRow | null>;
  readonly jobflow: JobflowLoaders;

  constructor(services: Services) {
    this.taskRecord = new DataLoader((ids) => services.tasks.getMany(ids));
    this.jobType = new DataLoader((ids) => services.queue.jobTypes.getMany(ids));
    this.scaleJob = new DataLoader((ids) => services.queue.jobs.getMany(ids));
    this.queueEntry = new DataLoader((ids) => services.queue.entries.getMany(ids));
    this.jobflow = new JobflowLoaders(services);
  }
}
