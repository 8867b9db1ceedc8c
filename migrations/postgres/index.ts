/** Postgres migrations in the order they run. Listed explicitly: a glob misses `.ts` files under vitest. */
import { TaskRecords1763800000000 } from "./1763800000000-task-records";
import { FlowsJobs1763800100000 } from "./1763800100000-flows-jobs";
import { TaskRetention1763800300000 } from "./1763800300000-task-retention";
import { Queue1763800200000 } from "./1763800200000-queue";
import { JobDocuments1763800416000 } from "./1763800416000-job-documents";
import { ChangeLog1764000000000 } from "./1764000000000-change-log";
import { InstantMicroseconds1796177100000 } from "./1796177100000-instant-microseconds";
import { TaskRecordSequence1796177200000 } from "./1796177200000-task-record-sequence";
import { ChangeLogTruncate1796177300000 } from "./1796177300000-change-log-truncate";
import { DropJobStateIndex1796177400000 } from "./1796177400000-drop-job-state-index";

export const postgresMigrations = [
  TaskRecords1763800000000,
  FlowsJobs1763800100000,
  Queue1763800200000,
  TaskRetention1763800300000,
  JobDocuments1763800416000,
  ChangeLog1764000000000,
  InstantMicroseconds1796177100000,
  TaskRecordSequence1796177200000,
  ChangeLogTruncate1796177300000,
  DropJobStateIndex1796177400000,
];
