/**
 * The benchmark's data: IPython-shaped task records (what an ipyparallel Hub writes for an `apply_request`, with
 * its reply) and jobflow flows. Deterministic: record `i` is always the same record, so runs compare.
 */
import { type Instant, instantFromMillis } from "../../src/dialect";
import type { TaskRecordData } from "../../src/services/tasks/task-record.model";
import type { FlowInput } from "../../src/services/flows/jobflow.model";

/** The first record's submit time; record `i` is submitted about `i` seconds later. */
export const FIRST_SUBMITTED_MS = Date.parse("2026-06-01T00:00:00Z");
/** Engines the records are spread over (the list row filters on one of them). */
export const ENGINES = 16;
/** Clients (sessions) submitting. */
const CLIENTS = 10;

/** A uuid-looking id that depends only on (`i`, `salt`): msg_ids land in the index in random order, as real ones do. */
export function pseudoUuid(i: number, salt = 0): string {
  const word = (n: number) => (mix(i * 4 + n + salt * 0x9e3779b1) >>> 0).toString(16).padStart(8, "0");
  const [a, b, c, d] = [word(0), word(1), word(2), word(3)];
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-8${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

function mix(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export function engineUuid(engine: number): string {
  return pseudoUuid(engine, 7);
}

/** The submit time of record `i` (ms since the epoch): one per second with a sub-second jitter, increasing. */
export function submittedMs(i: number): number {
  return FIRST_SUBMITTED_MS + i * 1000 + (Math.abs(mix(i)) % 900);
}

const BUFFER = Buffer.alloc(96, 7).toString("base64");
const RESULT_BUFFER = Buffer.alloc(48, 3).toString("base64");

/** Task record `i` (`salt` varies the msg_id, for extra copies of the same shapes). One in 50 is still pending. */
export function taskRecord(i: number, salt = 0): TaskRecordData {
  const msgId = pseudoUuid(i, salt);
  const client = pseudoUuid(i % CLIENTS, 11);
  const engine = engineUuid(i % ENGINES);
  const submitted = submittedMs(i);
  const started = submitted + 5 + (i % 200);
  const completed = started + 10 + ((i * 37) % 5000);
  const pending = i % 50 === 49;
  const date = (ms: number) => new Date(ms).toISOString();
  const at = (ms: number) => instantFromMillis(ms) as Instant;
  const status = i % 97 === 0 ? "error" : "ok";
  return {
    msgId,
    header: {
      msg_id: msgId,
      msg_type: "apply_request",
      username: "bench",
      session: client,
      date: date(submitted),
      version: "5.3",
    },
    metadata: {
      after: [],
      follow: [],
      timeout: null,
      targets: [],
      retries: 0,
      is_broadcast: false,
      is_coalescing: false,
      dependencies_met: true,
    },
    content: {},
    buffers: [BUFFER, BUFFER.slice(0, 64)],
    submitted: at(submitted),
    clientUuid: client,
    engineUuid: pending && i % 100 === 99 ? null : engine,
    started: pending ? null : at(started),
    completed: pending ? null : at(completed),
    received: pending ? null : at(completed + 2),
    resultHeader: pending
      ? null
      : { msg_id: pseudoUuid(i, salt + 1), msg_type: "apply_reply", session: engine, date: date(completed) },
    resultMetadata: pending
      ? null
      : {
          started: date(started),
          dependencies_met: true,
          engine,
          is_broadcast: false,
          is_coalescing: false,
          status,
        },
    resultContent: pending ? null : { status },
    resultBuffers: pending ? null : [RESULT_BUFFER],
    queue: i % 3 === 0 ? "mux" : "task",
    stdout: "",
    stderr: "",
    label: i % 10 === 0 ? `sweep-${i % 100}` : null,
  };
}

/** The list row's filter: one engine and a half-hour submit window in the middle of the data. */
export function listFilter(records: number): Record<string, unknown> {
  const middle = Math.floor(records / 2);
  const from = new Date(submittedMs(middle)).toISOString();
  const to = new Date(submittedMs(middle) + 30 * 60 * 1000).toISOString();
  return { engineUuid: engineUuid(3), submitted: { $gte: from, $lt: to } };
}

/**
 * A flow of `jobs` jobs: a root and its children (the nested row's shape, 1 root + 9 children), or with
 * `independent` only roots, every job READY (the checkout row's supply). Job documents carry what jobflow stores:
 * metadata, an exec config, resources, and (for finished work) outputs, so reading every column costs what it does.
 */
export function flowInput(f: number, jobs: number, independent = false): FlowInput {
  const names = Array.from({ length: jobs }, (_, j) => `flow${f}-job${j}`);
  const uuids = names.map((_, j) => pseudoUuid(f * 1000 + j, 23));
  return {
    uuid: pseudoUuid(f, 29),
    name: `bench-flow-${f}`,
    metadata: { project: "bench", campaign: `c${f % 7}` },
    jobs: names.map((name, j) => ({
      uuid: uuids[j] as string,
      name,
      parents: independent || j === 0 ? [] : [uuids[0] as string],
      metadata: { step: j, tags: ["relax", "static"], material: `mp-${(f * 13 + j) % 5000}` },
      worker: "bench-worker",
      execConfig: { modules: ["vasp/6.4"], pre_run: "export OMP_NUM_THREADS=1" },
      resources: { nodes: 1, ntasks: 16, time: "02:00:00" },
      priority: j % 3,
    })),
  };
}
