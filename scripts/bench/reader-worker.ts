/**
 * Readers while bulk work runs (a worker thread, so a synchronous SQLite DELETE in the main thread cannot stall
 * them): `/healthz` and a small page, one after the other, until told to stop; posts back every latency (ms).
 */
import { parentPort, workerData } from "node:worker_threads";

import { get, post } from "./http-client";

const { url } = workerData as { url: string };
const PAGE = JSON.stringify({ query: "{ taskRecords(first: 10) { edges { node { msgId submitted } } } }" });

let stopping = false;
parentPort?.on("message", () => (stopping = true));

async function main(): Promise<void> {
  const latencies: number[] = [];
  while (!stopping) {
    let started = performance.now();
    await get(`${url}/healthz`);
    latencies.push(performance.now() - started);
    started = performance.now();
    await post(`${url}/graphql`, PAGE);
    latencies.push(performance.now() - started);
  }
  parentPort?.postMessage(latencies);
}

void main();
