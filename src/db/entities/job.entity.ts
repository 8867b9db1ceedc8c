import { EntitySchema } from "typeorm";

import type { Dialect, Instant } from "../../dialect";
import { TABLES } from "./tables";
import { columnTypes } from "./column-types";

/**
 * A jobflow-remote JobDoc (jobflow-remote.md §3.1), flattened: the serialized job's `name`, `metadata` and
 * `config.on_missing_references` are columns, and so is each `remote.*` field (`remote_step_attempts` …), so that
 * every one of them can be filtered and indexed. `db_seq` is the numeric value behind the string `db_id`, for
 * numeric ordering. `parents` (parent uuids) is kept here for reading and in `job_parents` for batched joins;
 * `flow_parents` is the FlowDoc's copy (jobflow-remote keeps parents twice, and a detour changes only the job-level
 * list). `document` (the serialized jobflow Job) and `output` are JSON text stored verbatim: JavaScript would turn
 * `1.0` into `1` and round integers beyond 2^53, and jobflow reads both back exactly.
 */
export interface JobRow {
  dbId: string;
  dbSeq: number;
  uuid: string;
  index: number;
  flowUuid: string;
  name: string;
  state: string;
  worker: string | null;
  priority: number;
  metadata: Record<string, unknown>;
  onMissingReferences: string;
  parents: string[];
  /** The FlowDoc's parents of this row (set at insert, never changed by a detour; rerun walks these). */
  flowParents: string[];
  /** Uuids of the enclosing flows, innermost first; the last is `flowUuid` (jobflow's `job.hosts`). */
  hosts: string[];
  previousState: string | null;
  error: string | null;
  stepAttempts: number;
  queueState: string | null;
  processId: string | null;
  retryTimeLimit: Instant | null;
  remoteError: string | null;
  runDir: string | null;
  startTime: Instant | null;
  endTime: Instant | null;
  execConfig: unknown;
  resources: Record<string, unknown> | null;
  storedData: unknown;
  /** The job's output as the exact JSON text the runner sent; null until COMPLETED. */
  outputJson: string | null;
  /** The serialized jobflow Job (JobDoc.job) as the exact JSON text sent; null for jobs added without one. */
  documentJson: string | null;
  lockId: string | null;
  lockHolder: string | null;
  lockTime: Instant | null;
  lockExpires: Instant | null;
  createdOn: Instant;
  updatedOn: Instant;
}

export function jobEntity(dialect: Dialect): EntitySchema<JobRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<JobRow>({
    name: "Job",
    tableName: TABLES.jobs,
    columns: {
      dbId: { name: "db_id", type: t.text, primary: true },
      dbSeq: { name: "db_seq", type: t.bigint, unique: true },
      uuid: { type: t.text },
      index: { type: t.integer },
      flowUuid: { name: "flow_uuid", type: t.text },
      name: { type: t.text },
      state: { type: t.text },
      worker: { type: t.text, nullable: true },
      priority: { type: t.integer, default: 0 },
      metadata: { type: t.json },
      onMissingReferences: { name: "on_missing_references", type: t.text, default: "error" },
      parents: { type: t.json },
      flowParents: { name: "flow_parents", type: t.json },
      hosts: { type: t.json },
      previousState: { name: "previous_state", type: t.text, nullable: true },
      error: { type: t.text, nullable: true },
      stepAttempts: { name: "remote_step_attempts", type: t.integer, default: 0 },
      queueState: { name: "remote_queue_state", type: t.text, nullable: true },
      processId: { name: "remote_process_id", type: t.text, nullable: true },
      retryTimeLimit: { name: "remote_retry_time_limit", type: t.instant, nullable: true },
      remoteError: { name: "remote_error", type: t.text, nullable: true },
      runDir: { name: "run_dir", type: t.text, nullable: true },
      startTime: { name: "start_time", type: t.instant, nullable: true },
      endTime: { name: "end_time", type: t.instant, nullable: true },
      execConfig: { name: "exec_config", type: t.json, nullable: true },
      resources: { type: t.json, nullable: true },
      storedData: { name: "stored_data", type: t.json, nullable: true },
      outputJson: { name: "output", type: t.text, nullable: true },
      documentJson: { name: "document", type: t.text, nullable: true },
      lockId: { name: "lock_id", type: t.text, nullable: true },
      lockHolder: { name: "lock_holder", type: t.text, nullable: true },
      lockTime: { name: "lock_time", type: t.instant, nullable: true },
      lockExpires: { name: "lock_expires", type: t.instant, nullable: true },
      createdOn: { name: "created_on", type: t.instant },
      updatedOn: { name: "updated_on", type: t.instant },
    },
    uniques: [{ name: "uq_jobs_uuid_index", columns: ["uuid", "index"] }],
    indices: [
      { name: "idx_jobs_flow_uuid", columns: ["flowUuid"] },
      { name: "idx_jobs_updated_on", columns: ["updatedOn"] },
      { name: "idx_jobs_created_on", columns: ["createdOn"] },
      { name: "idx_jobs_worker", columns: ["worker"] },
      { name: "idx_jobs_name", columns: ["name"] },
      // checkout and runner steps: READY jobs by priority DESC, created_on ASC (§6.1, §8; DESC in the migration);
      // also every lookup by state (its prefix: the index on "state" alone went, 1796177400000).
      { name: "idx_jobs_checkout", columns: ["state", "priority", "createdOn", "dbSeq"] },
      { name: "idx_jobs_state_retry", columns: ["state", "retryTimeLimit"] },
      { name: "idx_jobs_lock_id", columns: ["lockId"] },
    ],
  });
}

/** One parent uuid of one job row (a parent uuid stands for every index of that job, §3.1). */
export interface JobParentRow {
  childDbId: string;
  parentUuid: string;
}

export function jobParentEntity(dialect: Dialect): EntitySchema<JobParentRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<JobParentRow>({
    name: "JobParent",
    tableName: TABLES.jobParents,
    columns: {
      childDbId: { name: "child_db_id", type: t.text, primary: true },
      parentUuid: { name: "parent_uuid", type: t.text, primary: true },
    },
    indices: [{ name: "idx_job_parents_parent", columns: ["parentUuid"] }],
  });
}

/** Named counters; `job_db_id` hands out db ids (§3.4): incremented in the transaction that inserts the jobs. */
export interface JobflowCounterRow {
  name: string;
  next: number;
}

export function jobflowCounterEntity(dialect: Dialect): EntitySchema<JobflowCounterRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<JobflowCounterRow>({
    name: "JobflowCounter",
    tableName: TABLES.jobflowCounters,
    columns: {
      name: { type: t.text, primary: true },
      next: { type: t.bigint },
    },
  });
}

/** A batch worker's running process (§6.16: `batch_processes.{worker}.{process_id} = process_uuid`). */
export interface BatchProcessRow {
  worker: string;
  processId: string;
  processUuid: string;
}

export function batchProcessEntity(dialect: Dialect): EntitySchema<BatchProcessRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<BatchProcessRow>({
    name: "BatchProcess",
    tableName: TABLES.batchProcesses,
    columns: {
      worker: { type: t.text, primary: true },
      processId: { name: "process_id", type: t.text, primary: true },
      processUuid: { name: "process_uuid", type: t.text },
    },
  });
}
