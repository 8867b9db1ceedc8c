/**
 * Every table of the store, by name: the entities map them, the SQL toolkit (src/services/sql/tables.ts) hands them
 * to every statement. Migrations keep their own literals on purpose: a migration is history and never changes.
 */
export const TABLES = {
  taskRecords: "task_records",
  taskCulledIds: "task_culled_ids",
  flows: "flows",
  jobs: "jobs",
  jobParents: "job_parents",
  jobflowCounters: "jobflow_counters",
  batchProcesses: "batch_processes",
  jobTypes: "scale_job_types",
  scaleJobs: "scale_jobs",
  queue: "scale_queue",
  jobLoad: "scale_job_load",
  changeLog: "change_log",
  changeListeners: "change_listeners",
  changeCapture: "change_capture",
} as const;

export type TableName = (typeof TABLES)[keyof typeof TABLES];
