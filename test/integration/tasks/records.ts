/** Task records for the operation tests, shaped as the Hub writes them (ipython-hub.md §2). */
import { addSeconds, type Instant, instantFromMillis } from "../../../src/dialect";
import type { TaskRecordData } from "../../../src/services/tasks/task-record.model";
import type { Services } from "../../../src/services";

const BASE = Date.parse("2026-01-01T00:00:00Z");

export function minute(n: number): Instant {
  return instantFromMillis(BASE + n * 60_000) as Instant;
}

/** A completed load-balanced task submitted at minute `at` (ids sort like their submit times). */
export function completed(msgId: string, at: number, extra: Partial<TaskRecordData> = {}): TaskRecordData {
  return {
    ...pending(msgId, at),
    engineUuid: "engine-a",
    started: addSeconds(minute(at), 1),
    completed: addSeconds(minute(at), 2),
    received: addSeconds(minute(at), 3),
    resultHeader: { msg_id: `reply-${msgId}`, date: addSeconds(minute(at), 2) },
    resultMetadata: { status: "ok", engine: "engine-a" },
    resultContent: { status: "ok" },
    resultBuffers: [Buffer.from(`result of ${msgId}`).toString("base64")],
    stdout: `hello from ${msgId}\n`,
    ...extra,
  };
}

/** Submitted at minute `at`, not completed. */
export function pending(msgId: string, at: number, extra: Partial<TaskRecordData> = {}): TaskRecordData {
  return {
    msgId,
    header: {
      msg_id: msgId,
      session: "session-1",
      username: "alice",
      msg_type: "apply_request",
      version: "5.3",
      date: minute(at),
    },
    metadata: { label: `label-${msgId}`, retries: 2 },
    content: { bound: false },
    buffers: [Buffer.from(`function ${msgId}`).toString("base64"), Buffer.from([0, 1, 2]).toString("base64")],
    submitted: minute(at),
    clientUuid: "session-1",
    queue: "mux",
    label: `label-${msgId}`,
    ...extra,
  };
}

export async function add(gw: { services: Services }, records: TaskRecordData[]): Promise<void> {
  await gw.services.tasks.add(records);
}

export async function storedIds(gw: { services: Services }): Promise<string[]> {
  return (await gw.services.tasks.dbQuery({}, ["msg_id"])).map((row) => row["msg_id"] as string).sort();
}
