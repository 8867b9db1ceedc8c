import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS, freshDatabaseUrl } from "../support/databases";

/**
 * "Nothing acknowledged may be lost" (issue #7): the built server (dist/, as `npm start` runs it) is killed with
 * SIGKILL in the middle of a bulk ingest, then restarted on the same store. Each batch must be wholly present or
 * wholly absent, and every batch the server acknowledged must be present.
 */
const ROOT = join(__dirname, "../..");
const MAIN = join(ROOT, "dist/src/server/main.js");
const BATCHES = 40;
const BATCH_SIZE = 250;
const ADD = `mutation Add($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`;

interface Server {
  readonly process: ChildProcess;
  readonly url: string;
}

/** Starts `node dist/src/server/main.js` on a free port and waits for its "hubql listening" log line. */
async function startServer(databaseUrl: string): Promise<Server> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      HUBQL_TOKENS: "",
      HUBQL_TOKENS_FILE: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"graphql":"(http:\/\/[^"]+)\/graphql"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return { process: child, url };
}

function batch(n: number) {
  return Array.from({ length: BATCH_SIZE }, (_, i) => ({
    msgId: `b${n}-r${i}`,
    submitted: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n * BATCH_SIZE + i)).toISOString(),
    content: { code: "x = 1", payload: "p".repeat(200) },
    stdout: "o".repeat(100),
  }));
}

beforeAll(() => {
  // `npm test` builds first; a bare `vitest run` of this file builds here (type errors elsewhere do not block emit).
  if (!existsSync(MAIN)) {
    try {
      execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
        cwd: ROOT,
        stdio: "ignore",
      });
    } catch {
      // emitted anyway; checked next
    }
  }
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run npm run build`);
}, 180_000);

describe.each(DIALECTS)("SIGKILL during bulk ingest on %s", (dialect) => {
  let server: Server | undefined;
  afterAll(() => {
    server?.process.kill("SIGKILL");
  });

  it("restarts with every batch all-or-nothing and every acknowledged batch present", async () => {
    const databaseUrl = await freshDatabaseUrl(dialect);
    server = await startServer(databaseUrl);
    const { url } = server;
    const acknowledged = new Set<number>();
    const sent = new Set<number>();
    // Four clients ingest concurrently; the server is killed once a quarter of the batches are acknowledged.
    const client = async (start: number) => {
      for (let n = start; n < BATCHES; n += 4) {
        sent.add(n);
        try {
          const response = await fetch(`${url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: ADD, variables: { records: batch(n) } }),
          });
          const body = (await response.json()) as { errors?: unknown };
          if (response.ok && !body.errors) acknowledged.add(n);
        } catch {
          return; // the server is gone
        }
      }
    };
    let clientsDone = false;
    const clients = Promise.all([client(0), client(1), client(2), client(3)]).finally(() => (clientsDone = true));
    while (acknowledged.size < BATCHES / 4 && !clientsDone) await new Promise((resolve) => setTimeout(resolve, 5));
    server.process.kill("SIGKILL");
    await clients;
    const killed = server.process;
    if (killed.exitCode === null && killed.signalCode === null)
      await new Promise((resolve) => killed.once("exit", resolve));
    expect(acknowledged.size).toBeLessThan(BATCHES); // the kill really landed mid-ingest
    expect(sent.size).toBeGreaterThan(acknowledged.size); // with batches in flight

    server = await startServer(databaseUrl);
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ taskHistory }` }),
    });
    const { data } = (await response.json()) as { data: { taskHistory: string[] } };
    const perBatch = new Map<number, number>();
    for (const id of data.taskHistory) {
      const n = Number(/^b(\d+)-r\d+$/.exec(id)?.[1]);
      perBatch.set(n, (perBatch.get(n) ?? 0) + 1);
    }
    for (const [n, count] of perBatch) expect(count, `batch ${n}`).toBe(BATCH_SIZE);
    for (const n of acknowledged) expect(perBatch.get(n), `acknowledged batch ${n}`).toBe(BATCH_SIZE);
    expect(new Set(data.taskHistory).size).toBe(data.taskHistory.length);
    server.process.kill("SIGKILL");
  }, 120_000);
});
