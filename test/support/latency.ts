/** Timing helpers for the tests that assert latency while other work runs (test/execution, test/security). */
import { Worker } from "node:worker_threads";

/** `work`'s result and how long it took in ms. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** The `q`-quantile of latencies (0.5: median). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
}

/** Requests one probe sends side by side: a GET of `path`, or a POST of `body` as JSON. */
export interface Probe {
  readonly url: string;
  readonly requests: readonly { readonly path: string; readonly body?: unknown }[];
}

/** One probe's start and end, in ms since the epoch (`performance.timeOrigin + performance.now()` of its thread). */
interface Sample {
  readonly start: number;
  readonly end: number;
}

/**
 * The prober: a worker thread with an event loop of its own, so that its timings hold whatever the gateway's event
 * loop does (a test's gateway runs in the test's process; a prober sharing its loop would only send probes between
 * the gateway's stalls and never time one). Probes until told to stop, one after another with 20 ms between; the
 * first answer that is not a 200 without `errors` fails the test.
 */
const PROBER = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, requests } = workerData;
const now = () => performance.timeOrigin + performance.now();
let failure = null;
const send = async (request) => {
  const response = await fetch(url + request.path, request.body === undefined ? {} : {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request.body),
  });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"')) failure ??= request.path + " answered " + response.status + ": " + text;
};
let stopping = false;
parentPort.on("message", () => (stopping = true));
(async () => {
  const samples = [];
  while (!stopping) {
    const start = now();
    await Promise.all(requests.map(send));
    samples.push({ start, end: now() });
    if (samples.length === 1) parentPort.postMessage("probing");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  parentPort.postMessage({ samples, failure });
})();
`;

/**
 * Probes from another thread for a second with nothing else running, then while `work` runs. `latencies` are the
 * probes started while it ran; `baseline` is the idle probes' 90th percentile: what the machine's own load costs a
 * probe (other test files, other processes on 2 cores). A probe held up by the work waits for a whole batch or the
 * whole job — hundreds of ms to seconds — far beyond 100 ms over that baseline, which is what the tests assert.
 */
export async function sampleDuring(
  work: () => Promise<unknown>,
  probe: Probe,
): Promise<{ workMs: number; latencies: number[]; baseline: number }> {
  const prober = new Worker(PROBER, { eval: true, workerData: probe });
  try {
    const message = () =>
      new Promise<unknown>((resolve, reject) => {
        prober.once("message", resolve);
        prober.once("error", reject);
      });
    await message(); // the first probe answered: its connections are open
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = () => performance.timeOrigin + performance.now();
    const started = now();
    await work();
    const ended = now();
    const stopped = message();
    prober.postMessage("stop");
    const { samples, failure } = (await stopped) as { samples: Sample[]; failure: string | null };
    // A probe answered with an error proves nothing about latency.
    if (failure) throw new Error(`a probe failed: ${failure.slice(0, 500)}`);
    const ms = (sample: Sample) => sample.end - sample.start;
    const idle = samples.slice(1).filter((sample) => sample.end <= started);
    return {
      workMs: ended - started,
      latencies: samples.filter((sample) => sample.start >= started && sample.start < ended).map(ms),
      baseline: quantile(idle.map(ms), 0.9),
    };
  } finally {
    await prober.terminate();
  }
}
