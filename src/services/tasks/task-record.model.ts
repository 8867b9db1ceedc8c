import { taskRecordEntity, type TaskRecordRow } from "../../db/entities/task-record.entity";
import { catalogueFor } from "../../db/catalogue";

export type { TaskRecordRow };

/** The filterable fields of a task record; `bufferBytes` is bookkeeping, not part of the Hub's record. */
export const TASK_RECORD_CATALOGUE = catalogueFor(taskRecordEntity("sqlite"), {
  label: "TaskRecord",
  exclude: ["bufferBytes"],
});

/** Every stored column, bookkeeping included: what inserts write. */
export const TASK_RECORD_STORAGE_CATALOGUE = catalogueFor(taskRecordEntity("sqlite"), { label: "TaskRecord" });

/** The 23 TaskRecord keys in the Hub's (SQLite column) order, snake_case (ipython-hub.md §2). */
export const TASK_RECORD_KEYS = [
  "msg_id",
  "header",
  "metadata",
  "content",
  "buffers",
  "submitted",
  "client_uuid",
  "engine_uuid",
  "started",
  "completed",
  "resubmitted",
  "received",
  "result_header",
  "result_metadata",
  "result_content",
  "result_buffers",
  "queue",
  "execute_input",
  "execute_result",
  "error",
  "stdout",
  "stderr",
  "label",
] as const;

export type TaskRecordKey = (typeof TASK_RECORD_KEYS)[number];

/** Properties of TaskRecordRow that the GraphQL type exposes (everything but the size bookkeeping). */
export const TASK_RECORD_FIELDS = TASK_RECORD_CATALOGUE.fields.map((field) => field.name) as (keyof TaskRecordRow)[];

const KEY_TO_PROPERTY = new Map(
  TASK_RECORD_CATALOGUE.fields.map((field) => [field.column, field.name as keyof TaskRecordRow]),
);

export function propertyOfKey(key: string): keyof TaskRecordRow | undefined {
  return KEY_TO_PROPERTY.get(key);
}

export const BUFFER_PROPERTIES = ["buffers", "resultBuffers"] as const;

/** What may be written when a record is added or patched (everything but the size bookkeeping). */
export type TaskRecordData = Partial<Omit<TaskRecordRow, "bufferBytes">> & { msgId: string };

export type TaskRecordPatch = Partial<Omit<TaskRecordRow, "bufferBytes" | "msgId">>;

/** Sortable fields of `taskRecords(orderBy)`. */
export const TASK_RECORD_SORT_FIELDS = {
  SUBMITTED: "submitted",
  STARTED: "started",
  COMPLETED: "completed",
  RECEIVED: "received",
  MSG_ID: "msgId",
  CLIENT_UUID: "clientUuid",
  ENGINE_UUID: "engineUuid",
  QUEUE: "queue",
  LABEL: "label",
} as const satisfies Record<string, keyof TaskRecordRow>;

export type TaskRecordSortField = keyof typeof TASK_RECORD_SORT_FIELDS;

export interface TaskRecordOrder {
  readonly field: TaskRecordSortField;
  readonly descending: boolean;
}

/** Decoded size in bytes of base64 buffer lists, as IPython's DictDB counts it (sum of len() of each buffer). */
export function bufferBytes(...lists: (readonly string[] | null | undefined)[]): number {
  let total = 0;
  for (const list of lists) for (const item of list ?? []) total += Buffer.byteLength(item, "base64");
  return total;
}
