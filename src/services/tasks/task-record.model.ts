import { taskRecordEntity, type TaskRecordRow } from "../../db/entities/task-record.entity";
import { catalogueFor } from "../../db/catalogue";

export type { TaskRecordRow };

/** hubql's bookkeeping columns, not part of the Hub's record: never filtered on, written by callers, or returned. */
const BOOKKEEPING = ["bufferBytes", "seq", "importFingerprint"] as const;
type Bookkeeping = (typeof BOOKKEEPING)[number];

/** The filterable fields of a task record. */
export const TASK_RECORD_CATALOGUE = catalogueFor(taskRecordEntity("sqlite"), {
  label: "TaskRecord",
  exclude: BOOKKEEPING,
});

/** What reads decode: the record's fields and `seq`, the insertion order lists sort by (the Hub's order). */
export const TASK_RECORD_READ_CATALOGUE = catalogueFor(taskRecordEntity("sqlite"), {
  label: "TaskRecord",
  exclude: BOOKKEEPING.filter((property) => property !== "seq"),
});

/** Every stored column, bookkeeping included: what inserts and the importer write. */
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

/** What may be written when a record is added or patched (everything but the bookkeeping). */
export type TaskRecordData = Partial<Omit<TaskRecordRow, Bookkeeping>> & { msgId: string };

export type TaskRecordPatch = Partial<Omit<TaskRecordRow, Bookkeeping | "msgId">>;

/** A record as an insert writes it: every field, `bufferBytes` counted; the store numbers `seq`. */
export type NewTaskRecord = Omit<TaskRecordRow, "seq" | "importFingerprint"> & { importFingerprint?: string | null };

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
