/**
 * Measures hubql's long and bulk work against its references, in one run, interleaved (issue 14): ingest through
 * GraphQL against a multi-row INSERT of the same rows; purge against a plain DELETE of the same rows, with the
 * latency of /healthz and of a cheap query while it runs; readers during retention culls; and (Postgres) checkouts
 * per second with 16 workers over 2 gateway processes, counting duplicates.
 *
 *   npm run build && node dist/scripts/bulk-work.js [--dialect sqlite|postgres] [--records 1000000]
 *       [--ingest 20000] [--jobs 4000] [--only ingest,purge,retention,checkout] [--rounds 2]
 *
 * Postgres: BENCH_PG_URL names an empty database, or an embedded Postgres is started. Prints a table; asserts
 * nothing (tests never assert timings). `npm run bench` (the request path) is a separate script.
 */
import "reflect-metadata";

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";

import BetterSqlite3 from "better-sqlite3";
import { Client } from "pg";

import { DEFAULT_LIMITS, loadConfig, type Config, type Limits } from "../src/config";
import { RowCodec } from "../src/db/row-codec";
import { silentLogger } from "../src/logger";
import { startApp, type App } from "../src/server/app";
import {
  TASK_RECORD_FIELDS,
  TASK_RECORD_STORAGE_CATALOGUE,
  type TaskRecordData,
} from "../src/services/tasks/task-record.model";
import { completeRecord } from "../src/services/tasks/tasks.service";
import { startEmbeddedPostgres } from "./embedded-postgres";

const { values: args } = parseArgs({
  options: {
    dialect: { type: "string", default: "sqlite" },
    records: { type: "string", default: "100000" },
    ingest: { type: "string", default: "20000" },
    jobs: { type: "string", default: "4000" },
    only: { type: "string", default: "ingest,purge,retention,checkout" },
    rounds: { type: "string", default: "2" },
  },
});
const DIALECT = args.dialect as "sqlite" | "postgres";
const RECORDS = Number(args.records);
const INGEST = Number(args.ingest);
const JOBS = Number(args.jobs);
const ONLY = new Set(String(args.only).split(","));
const BATCH = 1000;
const ROUNDS = Number(args.rounds);

type Row = Record<string, unknown>;

/** A raw connection to the same store: the reference side of each comparison. */
interface Raw {
  exec(sql: string, params?: unknown[]): Promise<number>;
  /** One statement without blocking this process' event loop (SQLite: on a thread of its own), so readers of the
   * gateway in this process can be watched while it runs. */
  execAside(sql: string): Promise<void>;
  /** Empties task_records (TRUNCATE on Postgres), untimed. */
  clear(): Promise<void>;
  /** Multi-row INSERTs of already encoded rows, as many rows per statement as the parameter limit allows. */
  insert(columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
  close(): Promise<void>;
}

async function main(): Promise<void> {
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const url = await storeUrl(cleanup);
    const app = await startApp(config(url), silentLogger);
    cleanup.unshift(() => app.close());
    const raw = await rawConnection(url);
    cleanup.unshift(() => raw.close());
    console.log(`hubql bulk work on ${DIALECT}, ${new Date().toISOString()}\n`);
    console.log("| work | hubql | reference | ratio | readers meanwhile (p50 / p99 / max ms) |");
    console.log("|---|---|---|---|---|");
    if (ONLY.has("ingest")) await ingest(app, raw);
    if (ONLY.has("purge")) await purge(app, raw);
    if (ONLY.has("retention")) await retention(url, raw, cleanup);
    if (ONLY.has("checkout") && DIALECT === "postgres") await checkout(url);
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
}

function config(databaseUrl: string, limits: Partial<Limits> = {}): Config {
  return {
    ...loadConfig({}),
    port: 0,
    databaseUrl,
    logLevel: "silent",
    limits: { ...DEFAULT_LIMITS, requestTimeoutMs: 600_000, ...limits },
  };
}

// ---- records ----

const BASE = Date.parse("2026-06-01T00:00:00Z");

function record(i: number): TaskRecordData {
  const at = (ms: number) => new Date(BASE + i * 1000 + ms).toISOString();
  return {
    msgId: `task-${String(i).padStart(7, "0")}`,
    header: { msg_id: `task-${i}`, msg_type: "apply_request", session: `client-${i % 10}`, date: at(0) },
    metadata: { after: [], follow: [], timeout: null },
    content: {},
    submitted: at(0),
    clientUuid: `client-${i % 10}`,
    engineUuid: `engine-${i % 16}`,
    started: at(500),
    completed: at(900),
    queue: i % 3 === 0 ? "mux" : "task",
    resultHeader: { msg_id: `result-${i}`, status: i % 11 === 0 ? "error" : "ok" },
    resultContent: { status: i % 11 === 0 ? "error" : "ok" },
    stdout: `line ${i}\n`,
    label: `batch-${i % 100}`,
  } as unknown as TaskRecordData;
}

const codecs = {
  sqlite: new RowCodec(TASK_RECORD_STORAGE_CATALOGUE, "sqlite"),
  postgres: new RowCodec(TASK_RECORD_STORAGE_CATALOGUE, "postgres"),
};
const PROPERTIES = [...TASK_RECORD_FIELDS, "bufferBytes"];
const COLUMNS = PROPERTIES.map((property) => codecs.sqlite.field(property).column);

/** The stored values of records, as hubql writes them (for the reference INSERTs). */
function encoded(from: number, count: number): unknown[][] {
  const codec = codecs[DIALECT];
  return Array.from({ length: count }, (_, k) => {
    const row = completeRecord(record(from + k)) as unknown as Row;
    return PROPERTIES.map((property) => codec.encode(property, row[property]));
  });
}

async function seed(raw: Raw, count: number): Promise<void> {
  for (let from = 0; from < count; from += 10_000)
    await raw.insert(COLUMNS, encoded(from, Math.min(10_000, count - from)));
}

// ---- ingest ----

async function ingest(app: App, raw: Raw): Promise<void> {
  const hubql: number[] = [];
  const reference: number[] = [];
  const mutation = `mutation($r: [TaskRecordInput!]!) { addTaskRecords(records: $r) { msgId } }`;
  for (let round = 0; round < 3; round++) {
    await raw.clear();
    let started = performance.now();
    for (let from = 0; from < INGEST; from += BATCH) {
      const records = Array.from({ length: Math.min(BATCH, INGEST - from) }, (_, k) => record(from + k));
      await graphql(app.url, mutation, { r: records });
    }
    hubql.push(INGEST / ((performance.now() - started) / 1000));
    await raw.clear();
    const rows = encoded(0, INGEST);
    started = performance.now();
    for (let from = 0; from < INGEST; from += BATCH) await raw.insert(COLUMNS, rows.slice(from, from + BATCH));
    reference.push(INGEST / ((performance.now() - started) / 1000));
  }
  await raw.clear();
  const h = median(hubql);
  const r = median(reference);
  row(`ingest ${INGEST} records, batches of ${BATCH} (rec/s)`, h.toFixed(0), r.toFixed(0), h / r, "");
}

// ---- purge ----

async function purge(app: App, raw: Raw): Promise<void> {
  const cases = [
    { name: "all", args: `all: true`, sql: `DELETE FROM task_records` },
    {
      name: "filter queue = task",
      args: `filter: "{\\"queue\\": \\"task\\"}"`,
      sql: `DELETE FROM task_records WHERE queue = 'task'`,
    },
  ];
  for (const kind of cases) {
    const hubql: number[] = [];
    const reference: number[] = [];
    const readers: Readers = { health: [], query: [] };
    const referenceReaders: Readers = { health: [], query: [] };
    for (let round = 0; round < ROUNDS; round++) {
      await raw.clear();
      await seed(raw, RECORDS);
      await raw.exec(DIALECT === "postgres" ? "VACUUM ANALYZE task_records" : "ANALYZE");
      const watch = watchReaders(app.url);
      let started = performance.now();
      const result = await graphql<{ purgeTaskRecords: { count: number } }>(
        app.url,
        `mutation { purgeTaskRecords(${kind.args}, force: true) { count } }`,
      );
      hubql.push(performance.now() - started);
      const seen = await watch.stop();
      readers.health.push(...seen.health);
      readers.query.push(...seen.query);
      if (!result.data?.purgeTaskRecords) throw new Error(JSON.stringify(result));
      await raw.clear();
      await seed(raw, RECORDS);
      await raw.exec(DIALECT === "postgres" ? "VACUUM ANALYZE task_records" : "ANALYZE");
      const aside = watchReaders(app.url);
      started = performance.now();
      await raw.execAside(kind.sql);
      reference.push(performance.now() - started);
      const seenAside = await aside.stop();
      referenceReaders.health.push(...seenAside.health);
      referenceReaders.query.push(...seenAside.query);
    }
    const h = median(hubql);
    const r = median(reference);
    row(`purge ${kind.name} of ${RECORDS} (ms)`, h.toFixed(0), r.toFixed(0), h / r, latencies(readers));
    row(`  the same DELETE from another connection (ms)`, "", r.toFixed(0), null, latencies(referenceReaders));
  }
  await raw.clear();
}

/** Every 10 ms, /healthz and a one-record query side by side, until stopped; the latency of each. */
function watchReaders(url: string): { stop(): Promise<Readers> } {
  const readers: Readers = { health: [], query: [] };
  let running = true;
  const timed = async (into: number[], work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    into.push(performance.now() - started);
  };
  const loop = async () => {
    while (running) {
      await Promise.all([
        timed(readers.health, () => fetch(`${url}/healthz`).then((response) => response.text())),
        timed(readers.query, () =>
          graphql(
            url,
            `
              {
                taskRecords(first: 1) {
                  edges {
                    node {
                      msgId
                    }
                  }
                }
              }
            `,
          ),
        ),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const done = loop();
  return {
    async stop() {
      running = false;
      await done;
      return readers;
    },
  };
}

interface Readers {
  readonly health: number[];
  readonly query: number[];
}

// ---- retention ----

async function retention(url: string, raw: Raw, cleanup: (() => Promise<void>)[]): Promise<void> {
  // A second gateway on the same store with a record limit: each batch over it culls 10% of the limit.
  const limit = Math.max(10_000, Math.floor(RECORDS / 10));
  const app = await startApp(
    config(url, { retention: { recordLimit: limit, sizeLimit: null, cullFraction: 0.1 } }),
    silentLogger,
  );
  cleanup.unshift(() => app.close());
  await raw.clear();
  await seed(raw, limit);
  const mutation = `mutation($r: [TaskRecordInput!]!) { addTaskRecords(records: $r) { msgId } }`;
  const watch = watchReaders(app.url);
  const started = performance.now();
  for (let from = limit; from < limit + INGEST; from += BATCH) {
    await graphql(app.url, mutation, { r: Array.from({ length: BATCH }, (_, k) => record(from + k)) });
  }
  const ms = performance.now() - started;
  row(
    `ingest ${INGEST} at a retention limit of ${limit} (rec/s)`,
    (INGEST / (ms / 1000)).toFixed(0),
    "",
    null,
    latencies(await watch.stop()),
  );
  await app.close();
  await raw.clear();
}

// ---- checkout ----

async function checkout(url: string): Promise<void> {
  const servers: Gateway[] = [];
  try {
    for (let i = 0; i < 2; i++)
      servers.push(await gatewayProcess({ DATABASE_URL: url, HUBQL_MAX_BATCH_SIZE: "100000" }));
    const [first] = servers as [Gateway];
    const flow = {
      name: "checkout-bench",
      jobs: Array.from({ length: JOBS }, (_, i) => ({ uuid: `bench-job-${i}`, name: `job ${i}` })),
    };
    const added = await graphql<{ addFlow: { uuid: string } }>(
      first.url,
      `
        mutation ($f: FlowInput!) {
          addFlow(flow: $f) {
            uuid
          }
        }
      `,
      { f: flow },
    );
    if (!added.data) throw new Error(JSON.stringify(added.errors));
    const taken: string[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        const server = servers[worker % 2] as Gateway;
        for (;;) {
          const result = await graphql<{ checkoutJob: { dbId: string } | null }>(
            server.url,
            `
              mutation {
                checkoutJob {
                  dbId
                }
              }
            `,
          );
          if (result.errors) throw new Error(JSON.stringify(result.errors));
          if (!result.data?.checkoutJob) return;
          taken.push(result.data.checkoutJob.dbId);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const duplicates = taken.length - new Set(taken).size;
    row(
      `checkout ${JOBS} jobs, 16 workers over 2 processes (per s)`,
      (taken.length / seconds).toFixed(0),
      "",
      null,
      `${taken.length} taken, ${duplicates} duplicates`,
    );
  } finally {
    for (const server of servers) server.process.kill("SIGKILL");
  }
}

interface Gateway {
  readonly process: ChildProcess;
  readonly url: string;
}

/** The built gateway (`dist/src/server/main.js`, next to this script's folder) in its own process. */
async function gatewayProcess(env: Record<string, string>): Promise<Gateway> {
  const main = join(__dirname, "../src/server/main.js");
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"graphql":"(http:\/\/[^"]+)\/graphql"/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}: ${output}`)));
  });
  return { process: child, url };
}

// ---- plumbing ----

async function graphql<T = Row>(url: string, query: string, variables?: Row): Promise<{ data?: T; errors?: unknown }> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: unknown };
}

function row(work: string, hubql: string, reference: string, ratio: number | null, readers: string): void {
  console.log(`| ${work} | ${hubql} | ${reference} | ${ratio === null ? "" : ratio.toFixed(2)} | ${readers} |`);
}

function latencies(readers: Readers): string {
  const one = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0).toFixed(1);
    return `${at(0.5)} / ${at(0.99)} / ${(sorted[sorted.length - 1] ?? 0).toFixed(1)}`;
  };
  return `/healthz ${one(readers.health)}; query ${one(readers.query)} (${readers.query.length} samples)`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function storeUrl(cleanup: (() => Promise<void>)[]): Promise<string> {
  if (DIALECT === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "hubql-bulk-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    return `sqlite:${join(dir, "bulk.db")}`;
  }
  if (process.env["BENCH_PG_URL"]) return process.env["BENCH_PG_URL"];
  const pg = await startEmbeddedPostgres({ user: "bench", password: "bench" });
  cleanup.push(() => pg.stop());
  const admin = new Client({ connectionString: `${pg.url}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "bulk"`);
  await admin.end();
  return `${pg.url}/bulk`;
}

async function rawConnection(url: string): Promise<Raw> {
  if (DIALECT === "sqlite") {
    const db = new BetterSqlite3(url.slice("sqlite:".length));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 30000");
    const prepared = new Map<string, BetterSqlite3.Statement>();
    return {
      exec: async (sql, params = []) => db.prepare(sql).run(...params).changes,
      clear: async () => void db.prepare("DELETE FROM task_records").run(),
      execAside: (sql) => aside(url.slice("sqlite:".length), sql),
      insert: async (columns, rows) => {
        const perStatement = Math.floor(32_766 / columns.length);
        for (let from = 0; from < rows.length; from += perStatement) {
          const chunk = rows.slice(from, from + perStatement);
          const sql = insertSql(columns, chunk.length, () => "?");
          let statement = prepared.get(sql);
          if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
          statement.run(...chunk.flat());
        }
      },
      close: async () => void db.close(),
    };
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    exec: async (sql, params = []) => (await client.query(sql, params)).rowCount ?? 0,
    clear: async () => void (await client.query("TRUNCATE task_records")),
    execAside: async (sql) => void (await client.query(sql)),
    insert: async (columns, rows) => {
      const perStatement = Math.floor(65_535 / columns.length);
      for (let from = 0; from < rows.length; from += perStatement) {
        const chunk = rows.slice(from, from + perStatement);
        let n = 0;
        await client.query(
          insertSql(columns, chunk.length, () => `$${++n}`),
          chunk.flat(),
        );
      }
    },
    close: () => client.end(),
  };
}

/** A SQLite statement on a worker thread with its own connection (as another process would run it). */
function aside(file: string, sql: string): Promise<void> {
  const code = `const { workerData, parentPort } = require("node:worker_threads");
    const db = new (require(workerData.driver))(workerData.file, { timeout: 60000 });
    db.pragma("synchronous = NORMAL");
    db.prepare(workerData.sql).run();
    db.close();
    parentPort.postMessage("done");`;
  const worker = new Worker(code, { eval: true, workerData: { driver: require.resolve("better-sqlite3"), file, sql } });
  return new Promise((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
}

function insertSql(columns: readonly string[], rows: number, parameter: () => string): string {
  const tuple = () => `(${columns.map(parameter).join(", ")})`;
  return `INSERT INTO task_records (${columns.map((c) => `"${c}"`).join(", ")}) VALUES ${Array.from({ length: rows }, tuple).join(", ")}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
