/**
 * What change capture costs writers (docs/subscriptions.md, "Cost"): ingest and purge of task records through the
 * services' own write paths, with no subscriber (capture off: the triggers find no listener lease) and with one
 * subscriber attached (capture on, the feed reading and matching as it would in production).
 *
 *   npm run bench:subscriptions -- [--records 100000] [--dialect sqlite|postgres] [--rounds 3]
 *
 * Postgres: BENCH_PG_URL (a server URL whose role may create databases; one database per round is made), or an
 * embedded Postgres is started. Prints the best of `rounds`.
 */
import "reflect-metadata";

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { Client } from "pg";

import { DEFAULT_LIMITS, loadConfig } from "../src/config";
import { openStore } from "../src/db/open-store";
import { type Instant, instantFromMillis } from "../src/dialect";
import { silentLogger } from "../src/logger";
import { createServices, ServiceContext, type Services } from "../src/services";
import { startEmbeddedPostgres } from "./embedded-postgres";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "100000" },
    dialect: { type: "string", default: "sqlite" },
    rounds: { type: "string", default: "3" },
  },
});
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);
const BATCH = 2000;

async function main(): Promise<void> {
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const rows: string[] = [];
    const best = { ingest: [Infinity, Infinity], purge: [Infinity, Infinity] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, watched] of [false, true].entries()) {
        const url = await storeUrl(values.dialect as string, cleanup);
        const config = { ...loadConfig({}), databaseUrl: url, limits: DEFAULT_LIMITS };
        const db = await openStore(config);
        const services = createServices(new ServiceContext(db, config, silentLogger));
        // A subscriber whose filter matches nothing: capture and matching run, nothing is sent.
        const subscription = watched ? await services.changes.subscribe("TaskRecord", { label: "never" }) : null;
        const ingest = await timed(() => seed(services));
        const purge = await timed(() => services.taskPurge.purge({ all: true, force: true }));
        await subscription?.return();
        await services.changes.close();
        await db?.close();
        best.ingest[index] = Math.min(best.ingest[index] ?? Infinity, ingest);
        best.purge[index] = Math.min(best.purge[index] ?? Infinity, purge);
      }
    }
    const [ingestOff = 0, ingestOn = 0] = best.ingest;
    const [purgeOff = 0, purgeOn = 0] = best.purge;
    rows.push(
      `| ingest ${RECORDS} task records (batches of ${BATCH}) | ${ingestOff.toFixed(2)} s | ${ingestOn.toFixed(2)} s | ${pct(ingestOn, ingestOff)} |`,
      `| purge ${RECORDS} task records (all: true) | ${purgeOff.toFixed(2)} s | ${purgeOn.toFixed(2)} s | ${pct(purgeOn, purgeOff)} |`,
    );
    console.log(`${values.dialect}, best of ${ROUNDS}:\n`);
    console.log("| write | no subscriber | one subscriber | overhead |");
    console.log("|---|---|---|---|");
    for (const row of rows) console.log(row);
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}

async function seed(services: Services): Promise<void> {
  const base = Date.parse("2026-06-01T00:00:00Z");
  const at = (millis: number) => instantFromMillis(millis) as Instant;
  for (let start = 0; start < RECORDS; start += BATCH) {
    const records = [];
    for (let i = start; i < Math.min(RECORDS, start + BATCH); i++) {
      records.push({
        msgId: `task-${String(i).padStart(7, "0")}`,
        header: { msg_id: `task-${i}`, msg_type: "apply_request", session: `client-${i % 10}` },
        submitted: at(base + i * 1000),
        clientUuid: `client-${i % 10}`,
        engineUuid: `engine-${i % 16}`,
        started: at(base + i * 1000 + 500),
        completed: at(base + i * 1000 + 900),
        queue: "task",
        resultContent: { status: "ok" },
        label: `batch-${i % 100}`,
      });
    }
    await services.tasks.add(records);
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

function pct(on: number, off: number): string {
  return `${on >= off ? "+" : ""}${(((on - off) / off) * 100).toFixed(0)} %`;
}

let embedded: Promise<string> | null = null;
let databases = 0;

async function storeUrl(dialect: string, cleanup: (() => Promise<void>)[]): Promise<string> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "hubql-bench-subs-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    return `sqlite:${join(dir, "bench.db")}`;
  }
  if (dialect !== "postgres") throw new Error("--dialect is sqlite or postgres");
  embedded ??= process.env["BENCH_PG_URL"]
    ? Promise.resolve(process.env["BENCH_PG_URL"].replace(/\/[^/@]*$/, ""))
    : startEmbeddedPostgres({ user: "bench", password: "bench" }).then((pg) => {
        cleanup.push(() => pg.stop());
        return pg.url;
      });
  const server = await embedded;
  const name = `bench_subs_${process.pid}_${++databases}`;
  const admin = new Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return `${server}/${name}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
