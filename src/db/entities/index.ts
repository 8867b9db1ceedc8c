import type { EntitySchema } from "typeorm";

import type { Dialect } from "../../dialect";
import { changeCaptureEntity, changeListenerEntity, changeLogEntity } from "./change-log.entity";
import { flowEntity } from "./flow.entity";
import { batchProcessEntity, jobEntity, jobflowCounterEntity, jobParentEntity } from "./job.entity";
import { jobLoadEntity } from "./job-load.entity";
import { jobTypeEntity } from "./job-type.entity";
import { queueEntryEntity } from "./queue-entry.entity";
import { scaleJobEntity } from "./scale-job.entity";
import { taskCulledIdEntity } from "./task-culled-id.entity";
import { taskRecordEntity } from "./task-record.entity";

/**
 * Every entity of the store, built for one dialect. Each area (tasks, flows/jobs, queue) adds its factories here.
 */
export function entitySchemas(dialect: Dialect): EntitySchema[] {
  return [
    taskRecordEntity(dialect),
    taskCulledIdEntity(dialect),
    flowEntity(dialect),
    jobEntity(dialect),
    jobParentEntity(dialect),
    jobflowCounterEntity(dialect),
    batchProcessEntity(dialect),
    jobTypeEntity(dialect),
    scaleJobEntity(dialect),
    queueEntryEntity(dialect),
    jobLoadEntity(dialect),
    changeLogEntity(dialect),
    changeListenerEntity(dialect),
    changeCaptureEntity(dialect),
  ] as EntitySchema[];
}
