/**
 * The benchmark: seeds a store with task records and measures, per query shape, SQL statements per request and
 * latency (p50/p95) in-process, then requests per second over HTTP with concurrent clients on loopback.
 *
 *   npm run bench -- [--records 100000] [--dialect sqlite|postgres] [--seconds 5] [--clients 8]
 *
 * Postgres: set BENCH_PG_URL to an empty database, or leave it unset to start an embedded Postgres.
 * Numbers go to stdout as a table; nothing here asserts timings (tests never do).
 */
import "reflect-metadata";

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { Client } from "pg";

import { DEFAULT_LIMITS, loadConfig, type Config } from "../src/config";
import { type Instant, instantFromMillis } from "../src/dialect";
import { createRequestContext } from "../src/graphql/shared/context";
import { silentLogger } from "../src/logger";
import { startApp } from "../src/server/app";
import { startEmbeddedPostgres } from "./embedded-postgres";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "100000" },
    dialect: { type: "string", default: "sqlite" },
    seconds: { type: "string", default: "5" },
    clients: { type: "string", default: "8" },
  },
});
const RECORDS = Number(values.records);
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);

const SHAPES: { name: string; query: string; variables?: Record<string, unknown> }[] = [
  {
    name: "page of 50, indexed filter",
    query: `query($f: Filter) { taskRecords(filter: $f, first: 50) { edges { node { msgId submitted completed } } } }`,
    variables: { f: { engineUuid: "engine-3", completed: { $ne: null } } },
  },
  {
    name: "page of 50, JSON-path filter",
    query: `query($f: Filter) { taskRecords(filter: $f, first: 50) { edges { node { msgId resultContent } } } }`,
    variables: { f: { "resultContent.status": "error" } },
  },
  {
    name: "page of 50 + totalCount",
    query: `query($f: Filter) { taskRecords(filter: $f, first: 50) { totalCount edges { node { msgId } } } }`,
    variables: { f: { queue: "task", started: { $gte: "2026-01-01T00:00:00Z" } } },
  },
  {
    name: "page of 50 by started desc",
    query: `{ taskRecords(orderBy: [{field: STARTED, direction: DESC}], first: 50) { edges { cursor node { msgId started } } } }`,
  },
  {
    name: "dbQuery incomplete, 2 keys",
    query: `query($q: Filter!) { dbQuery(query: $q, keys: ["msg_id", "started"]) }`,
    variables: { q: { completed: null, client_uuid: "client-1" } },
  },
  { name: "taskRecord by id", query: `{ taskRecord(msgId: "task-000042") { msgId header resultHeader } }` },
];

async function main(): Promise<void> {
  const cleanup: (() => Promise<void>)[] = [];
  const databaseUrl = await storeUrl(values.dialect as string, cleanup);
  const config: Config = { ...loadConfig({}), port: 0, databaseUrl, logLevel: "silent", limits: DEFAULT_LIMITS };
  const app = await startApp(config, silentLogger);
  cleanup.unshift(() => app.close());
  try {
    const seedStart = performance.now();
    await seed(app.services.tasks, RECORDS);
    console.log(
      `seeded ${RECORDS} task records on ${values.dialect} in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`,
    );
    console.log("| query | SQL statements | p50 ms | p95 ms | req/s over HTTP |");
    console.log("|---|---|---|---|---|");
    for (const shape of SHAPES) {
      const { statements, p50, p95 } = await inProcess(app, shape.query, shape.variables);
      const rps = await overHttp(app.url, shape.query, shape.variables);
      console.log(`| ${shape.name} | ${statements} | ${p50.toFixed(2)} | ${p95.toFixed(2)} | ${rps.toFixed(0)} |`);
    }
  } finally {
    for (const step of cleanup) await step();
  }
}

async function seed(tasks: Awaited<ReturnType<typeof startApp>>["services"]["tasks"], n: number): Promise<void> {
  const base = Date.parse("2026-06-01T00:00:00Z");
  const at = (millis: number) => instantFromMillis(millis) as Instant;
  const batch = 2000;
  for (let start = 0; start < n; start += batch) {
    const records = [];
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const done = i % 7 !== 0;
      records.push({
        msgId: `task-${String(i).padStart(6, "0")}`,
        header: { msg_id: `task-${i}`, msg_type: "apply_request", session: `client-${i % 10}` },
        submitted: at(base + i * 1000),
        clientUuid: `client-${i % 10}`,
        engineUuid: `engine-${i % 16}`,
        started: done ? at(base + i * 1000 + 500) : null,
        completed: done ? at(base + i * 1000 + 900) : null,
        queue: i % 3 === 0 ? "mux" : "task",
        resultHeader: done ? { status: i % 11 === 0 ? "error" : "ok" } : null,
        resultContent: done ? { status: i % 11 === 0 ? "error" : "ok" } : null,
        label: `batch-${i % 100}`,
      });
    }
    await tasks.add(records);
  }
}

async function inProcess(
  app: Awaited<ReturnType<typeof startApp>>,
  query: string,
  variables?: Record<string, unknown>,
) {
  const db = app.services.context.db!;
  let statements = 0;
  const stop = db.onStatement(() => statements++);
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t = performance.now();
    const response = await app.apollo.executeOperation(
      { query, ...(variables ? { variables } : {}) },
      { contextValue: createRequestContext(app.services, `bench-${i}`) },
    );
    times.push(performance.now() - t);
    if (response.body.kind === "single" && response.body.singleResult.errors) {
      throw new Error(JSON.stringify(response.body.singleResult.errors));
    }
  }
  stop();
  times.sort((a, b) => a - b);
  return {
    statements: statements / 60,
    p50: times[Math.floor(times.length * 0.5)]!,
    p95: times[Math.floor(times.length * 0.95)]!,
  };
}

async function overHttp(url: string, query: string, variables?: Record<string, unknown>): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  const body = JSON.stringify({ query, variables });
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        const response = await fetch(`${url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        await response.text();
        done++;
      }
    }),
  );
  return done / SECONDS;
}

async function storeUrl(dialect: string, cleanup: (() => Promise<void>)[]): Promise<string> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "hubql-bench-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    return `sqlite:${join(dir, "bench.db")}`;
  }
  if (dialect !== "postgres") throw new Error("--dialect is sqlite or postgres");
  if (process.env["BENCH_PG_URL"]) return process.env["BENCH_PG_URL"];
  const pg = await startEmbeddedPostgres({ user: "bench", password: "bench" });
  cleanup.push(() => pg.stop());
  const admin = new Client({ connectionString: `${pg.url}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "bench"`);
  await admin.end();
  return `${pg.url}/bench`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
