import { join } from "node:path";
import { Worker } from "node:worker_threads";

import { type Latency, summarize } from "./measure";

/** Starts readers against hubql at `url`; `stop()` ends them and summarises what they saw. */
export function startReaders(url: string): { stop(): Promise<Latency> } {
  const worker = new Worker(join(__dirname, "reader-worker.js"), { workerData: { url } });
  const result = new Promise<number[]>((resolve, reject) => {
    worker.once("message", (latencies: number[]) => resolve(latencies));
    worker.once("error", reject);
  });
  return {
    async stop() {
      worker.postMessage("stop");
      const latencies = await result;
      await worker.terminate();
      return summarize(latencies);
    },
  };
}
