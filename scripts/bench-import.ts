/**
 * The IPython import against its reference (issue 14): `import-ipython` of a SQLiteDB task table, end to end (read,
 * unpickle, convert, decide, write), against raw multi-row INSERTs of the same rows, already converted, through the
 * driver into the same kind of store — interleaved, in one run. Also how long a reader of the same process waits while the import
 * runs (the import converts a few records at a time, with a turn of the event loop between).
 *
 *   npm run build && node dist/scripts/bench-import.js [--records 20000] [--buffer-bytes 2000] [--dialect sqlite|postgres] [--rounds 3] [--json]
 *
 * The task file is written by Python's own sqlite3 and pickle, as SQLiteDB writes it. Each import runs in a fresh
 * process of its own, as `import-ipython` does, and the reference in this one, warm after its first round: the
 * reference's 20,000 converted rows, held in the importing process, made the import's scavenges take 806 ms instead
 * of 153 ms (the import 1.97–2.08 s instead of 1.33–1.59 s), and dropping them before it did not undo that.
 * Postgres: BENCH_PG_URL names a server (`postgres://user:password@host:port`, no database; scratch databases are
 * created on it), or an embedded one is started. Numbers go to stdout; nothing asserts timings.
 */
import "reflect-metadata";

import { execFileSync, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import BetterSqlite3 from "better-sqlite3";
import { Client } from "pg";

import { DEFAULT_LIMITS, loadConfig } from "../src/config";
import { openStore } from "../src/db/open-store";
import { silentLogger } from "../src/logger";
import { ServiceContext } from "../src/services";
import { IpythonSource } from "../src/services/tasks/ipython-source";
import { IMPORT_BATCH, TaskImportService } from "../src/services/tasks/task-import.service";
import { TASK_RECORD_STORAGE_CATALOGUE, TASK_RECORD_FIELDS } from "../src/services/tasks/task-record.model";
import { completeRecord, TasksService } from "../src/services/tasks/tasks.service";
import { RowCodec } from "../src/db/row-codec";
import type { Dialect } from "../src/dialect";
import { openRawStore, storeVersion } from "./bench/raw-store";
import { describeMachine, json, loadLine, machineLine, table } from "./bench/report";
import type { Row } from "./bench/row";
import { startEmbeddedPostgres } from "./embedded-postgres";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "20000" },
    "buffer-bytes": { type: "string", default: "2000" },
    dialect: { type: "string", default: "sqlite" },
    rounds: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  },
});
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);

/** A SQLiteDB task file: Python's sqlite3 and pickle with SQLiteDB's adapters, rows shaped as a Hub writes them. */
const WRITER = `
import json, pickle, sqlite3, sys, os
from datetime import datetime, timedelta, timezone
out, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db = sqlite3.connect(out)
db.execute("""CREATE TABLE 'ipython-tasks' (msg_id text PRIMARY KEY, header dict text, metadata dict text,
  content dict text, buffers bufs blob, submitted timestamp, client_uuid text, engine_uuid text, started timestamp,
  completed timestamp, resubmitted text, received timestamp, result_header dict text, result_metadata dict text,
  result_content dict text, result_buffers bufs blob, queue text, execute_input text, execute_result text,
  error text, stdout text, stderr text, label text)""")
base = datetime(2026, 3, 1, tzinfo=timezone.utc)
rows = []
for i in range(n):
    t = base + timedelta(seconds=i, microseconds=i * 37 % 1000000)
    mid = "%08x-0000-4000-8000-%012d" % (i, i)
    head = {"msg_id": mid, "msg_type": "apply_request", "session": "s-%d" % (i % 8), "username": "u",
            "date": t.isoformat(), "version": "5.3"}
    meta = {"after": [], "follow": [], "timeout": None, "targets": [], "retries": 0}
    bufs = pickle.dumps([os.urandom(size // 2), os.urandom(size - size // 2)], -1)
    res = pickle.dumps([os.urandom(size // 4)], -1)
    rows.append((mid, json.dumps(head), json.dumps(meta), json.dumps({"bound": False}), bufs, t.isoformat(),
      "s-%d" % (i % 8), "e-%d" % (i % 16), (t + timedelta(milliseconds=3)).isoformat(),
      (t + timedelta(milliseconds=9)).isoformat(), None, (t + timedelta(milliseconds=10)).isoformat(),
      json.dumps({"msg_id": "r" + mid, "date": t.isoformat()}), json.dumps({"engine": "e", "status": "ok"}),
      json.dumps({"status": "ok"}), res, "task", None, None, None, "out %d\\n" % i, "", "label-%d" % (i % 10)))
db.executemany("INSERT INTO 'ipython-tasks' VALUES (%s)" % ",".join("?" * 23), rows)
db.commit()
`;

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0] ?? 0;
  const dir = mkdtempSync(join(tmpdir(), "hubql-bench-import-"));
  const cleanup: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    const file = join(dir, "tasks.db");
    execFileSync("python3", ["-c", WRITER, file, String(RECORDS), String(values["buffer-bytes"])]);
    const server = values.dialect === "postgres" ? await postgresServer(cleanup) : null;
    let n = 0;
    const freshUrl = async () => {
      n++;
      if (!server) return `sqlite:${join(dir, `store-${n}.db`)}`;
      const admin = new Client({ connectionString: `${server}/postgres` });
      await admin.connect();
      await admin.query(`CREATE DATABASE "bench_import_${n}"`);
      await admin.end();
      return `${server}/bench_import_${n}`;
    };
    const converted = convertedRows(file);
    const results: { round: number; insert: number; imported: number }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const insert = await timeInserts(await freshUrl(), converted);
      const { seconds: imported } = await inChild({ url: await freshUrl(), file, withReader: false });
      results.push({ round, insert, imported });
      process.stderr.write(
        `round ${round}: multi-row INSERT ${(RECORDS / insert).toFixed(0)} rec/s, import ${(RECORDS / imported).toFixed(0)} rec/s\n`,
      );
    }
    const reader = await inChild({ url: await freshUrl(), file, withReader: true });
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const insert = median(results.map((r) => r.insert));
    const imported = median(results.map((r) => r.imported));
    const store = values.dialect as Dialect;
    const bytes = Number(values["buffer-bytes"]);
    const machine = describeMachine(await storeVersions(server), loadAtStart);
    const rows: Row[] = [
      {
        work: `IPython import of a SQLiteDB file (${bytes + Math.floor(bytes / 4)} buffer bytes a record), median of ${ROUNDS} rounds`,
        store,
        unit: "rec",
        hubql: { perSecond: RECORDS / imported, seconds: imported },
        reference: {
          name: "multi-row INSERTs of the same rows, already converted",
          perSecond: RECORDS / insert,
          seconds: insert,
        },
        measure: { name: "rate ratio", value: insert / imported },
        target: { op: "≥", value: 0.8 },
      },
      {
        work: `a reader in the same process during an import, asking for a record every 5 ms: its wait (worst ${reader.readerWorstMs.toFixed(1)} ms)`,
        store,
        hubql: { p50: reader.readerP50Ms, p99: reader.readerP99Ms },
        reference: null,
        measure: { name: "p99 ms", value: reader.readerP99Ms },
        target: { op: "<", value: 100 },
      },
    ];
    const header = `${RECORDS.toLocaleString("en")} records · ${machineLine(machine)}${loadLine(machine)}`;
    process.stdout.write(
      `${values.json ? json({ records: RECORDS, rounds: ROUNDS, machine, rows }) : `${header}\n\n${table(rows)}`}\n`,
    );
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}

/** An import to time, in a fresh process of its own (`runChild`). */
interface ImportJob {
  url: string;
  file: string;
  withReader: boolean;
}

type ImportTiming = Awaited<ReturnType<typeof timeImport>>;

const IMPORT_JOB = "HUBQL_BENCH_IMPORT_JOB";

/** Runs `job` in a fresh process (this script, with the same Node options) and returns what it measured. */
function inChild(job: ImportJob): Promise<ImportTiming> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], { env: { ...process.env, [IMPORT_JOB]: JSON.stringify(job) } });
    let result: ImportTiming | null = null;
    child.once("message", (message) => (result = message as ImportTiming));
    child.once("error", reject);
    child.once("exit", (code) => (result ? resolve(result) : reject(new Error(`an import run exited with ${code}`))));
  });
}

async function runChild(job: ImportJob): Promise<void> {
  const result = await timeImport(job.url, job.file, job.withReader);
  await new Promise<void>((resolve) => process.send?.(result, () => resolve()));
}

/** The file's rows as complete records, converted once outside any timing. */
function convertedRows(file: string) {
  const source = IpythonSource.open(file);
  try {
    const columns = source.checkedColumns("ipython-tasks");
    const rows = [];
    for (const chunk of source.chunks("ipython-tasks", columns, 500, Number.MAX_SAFE_INTEGER)) {
      for (let record = chunk.next(); record; record = chunk.next()) rows.push(completeRecord(record));
    }
    return rows;
  } finally {
    source.close();
  }
}

async function contextFor(url: string): Promise<ServiceContext> {
  const config = { ...loadConfig({}), databaseUrl: url, limits: DEFAULT_LIMITS };
  const db = await openStore(config);
  if (!db) throw new Error("no store");
  return new ServiceContext(db, config, silentLogger);
}

/**
 * The reference: the same rows, already converted, as raw multi-row INSERTs through the driver (one prepared
 * statement per batch of IMPORT_BATCH rows of the dialect, each batch a transaction), into a store the migrations
 * made.
 */
async function timeInserts(url: string, rows: ReturnType<typeof convertedRows>): Promise<number> {
  const ctx = await contextFor(url);
  const dialect = ctx.requireDb().dialect;
  await ctx.requireDb().close();
  const codec = new RowCodec(TASK_RECORD_STORAGE_CATALOGUE, dialect);
  const batchRows = IMPORT_BATCH[dialect].rows;
  const properties = [...TASK_RECORD_FIELDS, "bufferBytes"];
  const columns = properties.map((property) => `"${codec.field(property).column}"`).join(", ");
  const statement = (n: number) => {
    let p = 0;
    const tuple = () => `(${properties.map(() => (dialect === "postgres" ? `$${++p}` : "?")).join(", ")})`;
    return `INSERT INTO "task_records" (${columns}) VALUES ${Array.from({ length: n }, tuple).join(", ")}`;
  };
  const values = (batch: typeof rows) =>
    batch.flatMap((row) =>
      properties.map((property) => codec.encode(property, (row as Record<string, unknown>)[property])),
    );
  if (dialect === "sqlite") {
    const db = new BetterSqlite3(parseSqlitePath(url));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const started = performance.now();
    for (let start = 0; start < rows.length; start += batchRows) {
      const batch = rows.slice(start, start + batchRows);
      db.transaction(() => db.prepare(statement(batch.length)).run(...values(batch)))();
    }
    const seconds = (performance.now() - started) / 1000;
    db.close();
    return seconds;
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  for (let start = 0; start < rows.length; start += batchRows) {
    const batch = rows.slice(start, start + batchRows);
    await client.query("BEGIN");
    await client.query(statement(batch.length), values(batch));
    await client.query("COMMIT");
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return seconds;
}

function parseSqlitePath(url: string): string {
  return url.replace(/^sqlite:/, "");
}

/**
 * The import; with `withReader`, a reader of the same store asks for one record every 5 ms meanwhile (a timer, as a
 * request arrives), and the time from when it was due to its answer is kept.
 */
async function timeImport(url: string, file: string, withReader: boolean) {
  const ctx = await contextFor(url);
  const tasks = new TasksService(ctx);
  const waits: number[] = [];
  let running = withReader;
  const reader = (async () => {
    while (running) {
      const due = performance.now() + 5;
      await new Promise((resolve) => setTimeout(resolve, 5));
      await tasks.get("00000000-0000-4000-8000-000000000000", ["msgId"]);
      waits.push(performance.now() - due);
    }
  })();
  const started = performance.now();
  await new TaskImportService(ctx).importFile(file);
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await reader;
  await ctx.requireDb().close();
  waits.sort((a, b) => a - b);
  return {
    seconds,
    readerWorstMs: waits[waits.length - 1] ?? 0,
    readerP50Ms: waits[Math.floor(waits.length / 2)] ?? 0,
    readerP99Ms: waits[Math.floor(waits.length * 0.99)] ?? 0,
  };
}

/** The versions the machine line names: SQLite's (the one better-sqlite3 carries) and the Postgres server's, if used. */
async function storeVersions(server: string | null) {
  const version = async (url: string) => {
    const raw = openRawStore(url, 1);
    try {
      return await storeVersion(raw);
    } finally {
      await raw.close();
    }
  };
  return { sqlite: await version("sqlite::memory:"), postgres: server ? await version(`${server}/postgres`) : null };
}

async function postgresServer(cleanup: (() => Promise<void>)[]): Promise<string> {
  if (process.env["BENCH_PG_URL"]) return process.env["BENCH_PG_URL"];
  const pg = await startEmbeddedPostgres({ user: "bench", password: "bench" });
  cleanup.push(() => pg.stop());
  return pg.url;
}

const importJob = process.env[IMPORT_JOB];
(importJob ? runChild(JSON.parse(importJob) as ImportJob) : main()).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
