import { EntitySchema } from "typeorm";

import type { Dialect, Instant } from "../../dialect";
import { TABLES } from "./tables";
import { columnTypes } from "./column-types";

/**
 * One IPython Hub task record (ipython-hub.md §2): the 23 TaskRecord keys as columns named exactly as the Hub names
 * them, plus hubql's own: `resubmitted_from` (the new record names its original, §15), `buffer_bytes` (the decoded
 * size of buffers + result_buffers, kept so retention can cull by size without reading payloads), `seq` (the
 * insertion sequence, the Hub's order: the primary key, filled by the store on every insert and never reused;
 * `msg_id` is the unique key callers use) and `import_fingerprint` (a hash of what `import-ipython` last wrote,
 * docs/hub-operations.md). Buffers are JSON arrays of base64 strings.
 */
export interface TaskRecordRow {
  msgId: string;
  header: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  content: Record<string, unknown> | null;
  buffers: string[] | null;
  submitted: Instant | null;
  clientUuid: string | null;
  engineUuid: string | null;
  started: Instant | null;
  completed: Instant | null;
  resubmitted: string | null;
  received: Instant | null;
  resultHeader: Record<string, unknown> | null;
  resultMetadata: Record<string, unknown> | null;
  resultContent: Record<string, unknown> | null;
  resultBuffers: string[] | null;
  queue: string | null;
  executeInput: string | null;
  executeResult: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  stdout: string | null;
  stderr: string | null;
  label: string | null;
  resubmittedFrom: string | null;
  bufferBytes: number;
  seq: number;
  importFingerprint: string | null;
}

export function taskRecordEntity(dialect: Dialect): EntitySchema<TaskRecordRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<TaskRecordRow>({
    name: "TaskRecord",
    tableName: TABLES.taskRecords,
    columns: {
      msgId: { name: "msg_id", type: t.text, unique: true },
      header: { type: t.json, nullable: true },
      metadata: { type: t.json, nullable: true },
      content: { type: t.json, nullable: true },
      buffers: { type: t.json, nullable: true },
      submitted: { type: t.instant, nullable: true },
      clientUuid: { name: "client_uuid", type: t.text, nullable: true },
      engineUuid: { name: "engine_uuid", type: t.text, nullable: true },
      started: { type: t.instant, nullable: true },
      completed: { type: t.instant, nullable: true },
      resubmitted: { type: t.text, nullable: true },
      received: { type: t.instant, nullable: true },
      resultHeader: { name: "result_header", type: t.json, nullable: true },
      resultMetadata: { name: "result_metadata", type: t.json, nullable: true },
      resultContent: { name: "result_content", type: t.json, nullable: true },
      resultBuffers: { name: "result_buffers", type: t.json, nullable: true },
      queue: { type: t.text, nullable: true },
      executeInput: { name: "execute_input", type: t.text, nullable: true },
      executeResult: { name: "execute_result", type: t.json, nullable: true },
      error: { type: t.json, nullable: true },
      stdout: { type: t.text, nullable: true },
      stderr: { type: t.text, nullable: true },
      label: { type: t.text, nullable: true },
      resubmittedFrom: { name: "resubmitted_from", type: t.text, nullable: true },
      bufferBytes: { name: "buffer_bytes", type: t.bigint, default: 0 },
      seq: { type: t.bigint, primary: true, generated: "increment" },
      importFingerprint: { name: "import_fingerprint", type: t.text, nullable: true },
    },
    indices: [
      { name: "idx_task_records_submitted", columns: ["submitted", "seq"] },
      { name: "idx_task_records_started", columns: ["started", "seq"] },
      { name: "idx_task_records_completed", columns: ["completed", "seq"] },
      { name: "idx_task_records_client_uuid", columns: ["clientUuid"] },
      { name: "idx_task_records_engine_uuid", columns: ["engineUuid"] },
      { name: "idx_task_records_queue", columns: ["queue"] },
      { name: "idx_task_records_resubmitted", columns: ["resubmitted"] },
      { name: "idx_task_records_resubmitted_from", columns: ["resubmittedFrom"] },
    ],
  });
}
