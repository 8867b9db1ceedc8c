import type { Services } from "../../services";
import type { JobTypeRow, QueueEntryRow, ScaleJobRow } from "../../services/queue/queue.model";
import type { TaskRecordNode } from "../../services/tasks/tasks.service";
import { JobflowLoaders } from "./jobflow.loaders";
import { SelectiveLoader } from "./selective-loader";

/**
 * Per-request batch loaders: everything fetched by id within one request (federation `_entities`, relation
 * fields) becomes one SQL statement per entity type instead of one per id, reading only the selected columns.
 */
export class Loaders {
  readonly taskRecord: SelectiveLoader<string, TaskRecordNode | null>;
  readonly jobType: SelectiveLoader<number, Partial<JobTypeRow> | null>;
  readonly scaleJob: SelectiveLoader<number, Partial<ScaleJobRow> | null>;
  readonly queueEntry: SelectiveLoader<number, Partial<QueueEntryRow> | null>;
  readonly jobflow: JobflowLoaders;

  constructor(services: Services) {
    this.taskRecord = new SelectiveLoader((ids, fields) => services.tasks.getMany(ids, fields));
    this.jobType = new SelectiveLoader((ids, fields) => services.queue.jobTypes.getMany(ids, fields));
    this.scaleJob = new SelectiveLoader((ids, fields) => services.queue.jobs.getMany(ids, fields));
    this.queueEntry = new SelectiveLoader((ids, fields) => services.queue.entries.getMany(ids, fields));
    this.jobflow = new JobflowLoaders(services);
  }
}
