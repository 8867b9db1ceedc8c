/**
 * Memory under load, measured on the built server's own process (peak RSS, `VmHWM` in /proc/<pid>/status) against
 * the performance issue's budget of 250 MiB:
 * - a purge of 100,000 task records with a subscriber attached (both stores): the subscriber is told to re-read
 *   (LIMIT_EXCEEDED, a bulk change) instead of being queued 100,000 changes;
 * - 1,000 concurrent subscribers, one connection each, all receiving one change (SQLite: the store plays no part).
 */
import { readFileSync } from "node:fs";

import type { Client } from "graphql-ws";
import { afterEach, describe, expect, it } from "vitest";

import type { Dialect } from "../../src/dialect";
import { type BuiltServer, startBuiltServer } from "../support/built-server";
import { DIALECTS, freshDatabaseUrl } from "../support/databases";
import {
  activeSubscriptions,
  openClient,
  postGraphql,
  type Subscriber,
  subscribe,
  waitFor,
} from "../support/subscriptions";

const BUDGET_MIB = 250;
const RECORDS = 100_000;
const SUBSCRIBERS = 1000;

function peakRssMiB(server: BuiltServer): number {
  const status = readFileSync(`/proc/${server.process.pid}/status`, "utf8");
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN) / 1024;
}

const post = <T>(server: BuiltServer, query: string, variables?: Record<string, unknown>) =>
  postGraphql<T>(server.url, query, variables);

describe("subscription capacity", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it.each(DIALECTS)(
    "%s: purging 100,000 task records with a subscriber attached stays within 250 MiB",
    async (dialect: Dialect) => {
      const databaseUrl = await freshDatabaseUrl(dialect);
      // Seeded by one process, purged by another: the purge's process is measured without the seeding's heap.
      const seeder = await startBuiltServer({ DATABASE_URL: databaseUrl });
      cleanup.push(() => seeder.kill());
      for (let start = 0; start < RECORDS; start += 10_000) {
        const records = Array.from({ length: 10_000 }, (_, i) => ({
          msgId: `p-${start + i}`,
          label: `batch-${(start + i) % 100}`,
          completed: "2026-06-01T00:00:00Z",
          resultContent: { status: "ok", n: start + i },
        }));
        await post(seeder, `mutation($r: [TaskRecordInput!]!) { addTaskRecords(records: $r) { msgId } }`, {
          r: records,
        });
      }
      await seeder.kill();
      const server = await startBuiltServer({ DATABASE_URL: databaseUrl });
      cleanup.push(() => server.kill());
      const client: Client = openClient(server.url);
      cleanup.push(async () => {
        await client.dispose();
      });
      const watching = subscribe(client, `subscription { taskRecordChanged { kind msgId record { label } } }`);
      await waitFor(async () => (await activeSubscriptions(server.url)) === 1, 10_000, "the subscriber");
      const started = performance.now();
      const { purgeTaskRecords } = await post<{ purgeTaskRecords: { count: number } }>(
        server,
        `mutation { purgeTaskRecords(all: true, force: true) { count } }`,
      );
      const seconds = (performance.now() - started) / 1000;
      expect(purgeTaskRecords.count).toBe(RECORDS);
      await watching.ended(30_000);
      const last = watching.results.at(-1);
      expect(last?.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "bulkChange" });
      expect(watching.results.length).toBeLessThanOrEqual(101); // at most SQLite's before-image budget, then re-read
      const peak = peakRssMiB(server);
      console.log(
        `${dialect}: purge of ${RECORDS} with a subscriber: ${seconds.toFixed(1)} s, peak RSS ${peak.toFixed(0)} MiB`,
      );
      expect(peak).toBeLessThanOrEqual(BUDGET_MIB);
    },
    240_000,
  );

  it(`${SUBSCRIBERS} concurrent subscribers on one process stay within 250 MiB`, async () => {
    const server = await startBuiltServer({ DATABASE_URL: await freshDatabaseUrl("sqlite") });
    cleanup.push(() => server.kill());
    const clients: Client[] = [];
    cleanup.push(async () => {
      await Promise.all(clients.map((client) => client.dispose()));
    });
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client = openClient(server.url);
      clients.push(client);
      subscribers.push(
        subscribe(client, `subscription($f: Filter) { jobChanged(filter: $f) { kind dbId job { name state } } }`, {
          // Ten distinct filters, a hundred subscribers each: filters are shared, subscribers are not.
          f: { name: { $in: [`job`, `other-${i % 10}`] } },
        }),
      );
    }
    await waitFor(async () => (await activeSubscriptions(server.url)) === SUBSCRIBERS, 60_000, "every subscriber");
    await post(server, `mutation { addFlow(flow: {name: "f", jobs: [{name: "job"}]}) { uuid } }`);
    await Promise.all(subscribers.map((subscriber) => subscriber.next(30_000)));
    for (const subscriber of subscribers) {
      expect(subscriber.results[0]?.data).toMatchObject({ jobChanged: { kind: "ADDED", job: { name: "job" } } });
    }
    const peak = peakRssMiB(server);
    console.log(`${SUBSCRIBERS} subscribers, one change delivered to each: peak RSS ${peak.toFixed(0)} MiB`);
    expect(peak).toBeLessThanOrEqual(BUDGET_MIB);
  }, 120_000);
});
