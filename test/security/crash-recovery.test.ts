import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type BuiltServer, ensureBuilt, startBuiltServer } from "../support/built-server";
import { DIALECTS, freshDatabaseUrl } from "../support/databases";

/**
 * "Nothing acknowledged may be lost" (issue #7): the built server (dist/, as `npm start` runs it) is killed with
 * SIGKILL in the middle of a bulk ingest, then restarted on the same store. Each batch must be wholly present or
 * wholly absent, and every batch the server acknowledged must be present.
 */
const BATCHES = 40;
const BATCH_SIZE = 250;
const ADD = `mutation Add($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`;

function batch(n: number) {
  return Array.from({ length: BATCH_SIZE }, (_, i) => ({
    msgId: `b${n}-r${i}`,
    submitted: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n * BATCH_SIZE + i)).toISOString(),
    content: { code: "x = 1", payload: "p".repeat(200) },
    stdout: "o".repeat(100),
  }));
}

beforeAll(ensureBuilt, 180_000);

describe.each(DIALECTS)("SIGKILL during bulk ingest on %s", (dialect) => {
  let server: BuiltServer | undefined;
  afterAll(() => {
    server?.process.kill("SIGKILL");
  });

  it("restarts with every batch all-or-nothing and every acknowledged batch present", async () => {
    const databaseUrl = await freshDatabaseUrl(dialect);
    server = await startBuiltServer({ DATABASE_URL: databaseUrl });
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

    server = await startBuiltServer({ DATABASE_URL: databaseUrl });
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
