import type { FieldCatalogue } from "../../dialect";
import { FLOW_CATALOGUE, JOB_CATALOGUE } from "../flows/jobflow.model";
import { QUEUE_ENTRY_CATALOGUE } from "../queue/queue.model";
import { TABLES, type TableName } from "../sql";
import { TASK_RECORD_CATALOGUE } from "../tasks/task-record.model";

/** The kinds of records a subscription can watch; the change log names them so (migrations' literals). */
export const CHANGE_ENTITIES = ["TaskRecord", "Job", "Flow", "QueueEntry"] as const;
export type ChangeEntity = (typeof CHANGE_ENTITIES)[number];

export const CHANGE_KINDS = ["ADDED", "UPDATED", "DELETED"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Where a watched entity lives and how a list filters it: the same table, catalogue and key as its list query. */
export interface WatchedEntity {
  readonly entity: ChangeEntity;
  readonly table: TableName;
  readonly catalogue: FieldCatalogue;
  /** The key column (`msg_id`, `db_id`, `uuid`, `id`). */
  readonly keyColumn: string;
  /** Keys are integers (queue entries) rather than text. */
  readonly numericKey: boolean;
}

export const WATCHED: Readonly<Record<ChangeEntity, WatchedEntity>> = {
  TaskRecord: {
    entity: "TaskRecord",
    table: TABLES.taskRecords,
    catalogue: TASK_RECORD_CATALOGUE,
    keyColumn: "msg_id",
    numericKey: false,
  },
  Job: { entity: "Job", table: TABLES.jobs, catalogue: JOB_CATALOGUE, keyColumn: "db_id", numericKey: false },
  Flow: { entity: "Flow", table: TABLES.flows, catalogue: FLOW_CATALOGUE, keyColumn: "uuid", numericKey: false },
  QueueEntry: {
    entity: "QueueEntry",
    table: TABLES.queue,
    catalogue: QUEUE_ENTRY_CATALOGUE,
    keyColumn: "id",
    numericKey: true,
  },
};

/**
 * One change delivered to a subscription. `batch` is the same object for every change read in one pass over the
 * log, so whoever resolves the rows (the GraphQL layer's loaders) can share one read per batch among subscribers.
 */
export interface ChangeEvent {
  readonly entity: ChangeEntity;
  readonly kind: ChangeKind;
  /** The record's key as text (a queue entry's id in decimal). */
  readonly key: string;
  readonly batch: object;
}

/** A row of the change log as the feed reads it. */
export interface LoggedChange {
  readonly id: number;
  readonly entity: ChangeEntity;
  readonly kind: ChangeKind;
  readonly key: string | null;
  /** DELETED with a before-image: the row's columns as JSON text (SQLite) or a parsed object (Postgres). */
  readonly before: unknown;
  /** Set for a bulk announcement: how many rows it stands for. */
  readonly bulk: number | null;
}
