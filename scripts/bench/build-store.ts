/**
 * Builds the benchmark's store: migrations through hubql itself, then N task records as multi-row INSERTs of
 * exactly what hubql writes (values encoded by hubql's row codec), then the flows, through hubql's services.
 * Progress goes to stderr while it loads.
 */
import { DEFAULT_LIMITS, loadConfig, type Config } from "../../src/config";
import { MAX_BOUND_PARAMETERS } from "../../src/db/database";
import { openStore } from "../../src/db/open-store";
import { RowCodec } from "../../src/db/row-codec";
import type { Dialect } from "../../src/dialect";
import { silentLogger } from "../../src/logger";
import { createServices, ServiceContext, type Services } from "../../src/services";
import { completeRecord } from "../../src/services/tasks/tasks.service";
import { TASK_RECORD_STORAGE_CATALOGUE, type TaskRecordData } from "../../src/services/tasks/task-record.model";
import { flowInput, taskRecord } from "./dataset";
import { progress } from "./progress";
import type { RawStore, Statement } from "./raw-store";

/** The nested row's flows: a root and nine children each (the 100 × 10, and more to page over). */
export const NESTED_FLOW_JOBS = 10;
/** Rows per INSERT while loading (well under both drivers' parameter limits). */
const LOAD_CHUNK = 1000;

export interface StoreShape {
  readonly records: number;
  readonly nestedFlows: number;
  /** Flows of independent (READY) jobs for the checkout row, and jobs per flow. */
  readonly checkoutFlows: number;
  readonly checkoutJobsPerFlow: number;
}

/** The configuration an in-process hubql uses on the benchmark's store (defaults, quiet). */
export function benchConfig(databaseUrl: string): Config {
  return { ...loadConfig({}), port: 0, databaseUrl, logLevel: "silent", limits: DEFAULT_LIMITS };
}

/** Migrates and fills the store unless it already holds this shape (`reuse`). */
export async function buildStore(
  databaseUrl: string,
  raw: RawStore,
  shape: StoreShape,
  label: string,
  reuse: boolean,
): Promise<void> {
  const db = await openStore(benchConfig(databaseUrl));
  if (!db) throw new Error("the benchmark needs a store");
  const services = createServices(new ServiceContext(db, benchConfig(databaseUrl), silentLogger));
  try {
    if (reuse && (await holds(raw, shape))) {
      progress(`${label}: reusing the store (${shape.records} records)\n`);
      return;
    }
    await raw.transaction([
      { sql: `DELETE FROM "task_records"`, values: [] },
      { sql: `DELETE FROM "flows"`, values: [] },
    ]);
    await loadRecords(raw, shape.records, label);
    await loadFlows(services, shape, label);
    progress(`${label}: ${raw.dialect === "postgres" ? "vacuuming and " : ""}analysing\n`);
    await settleStore(raw);
  } finally {
    await db.close();
  }
}

/**
 * Now what autovacuum does at some point after a bulk load or delete, so that no row depends on whether it has got
 * there yet: Postgres' visibility map set (a COUNT(*) of 1M records, which purge-all runs, took 0.5–1.4 s before
 * and 61–128 ms after) and statistics fresh; SQLite's statistics.
 */
export async function settleStore(raw: RawStore): Promise<void> {
  await raw.query({ sql: raw.dialect === "postgres" ? "VACUUM (ANALYZE)" : "ANALYZE", values: [] });
}

async function holds(raw: RawStore, shape: StoreShape): Promise<boolean> {
  const [records] = (await raw.query({ sql: `SELECT COUNT(*) AS n FROM "task_records"`, values: [] })) as {
    n: number | string;
  }[];
  const [flows] = (await raw.query({ sql: `SELECT COUNT(*) AS n FROM "flows"`, values: [] })) as {
    n: number | string;
  }[];
  return Number(records?.n) === shape.records && Number(flows?.n) === shape.nestedFlows + shape.checkoutFlows;
}

async function loadRecords(raw: RawStore, total: number, label: string): Promise<void> {
  const started = performance.now();
  for (let start = 0; start < total; start += LOAD_CHUNK * 10) {
    const statements: Statement[] = [];
    for (let chunk = start; chunk < Math.min(total, start + LOAD_CHUNK * 10); chunk += LOAD_CHUNK) {
      const rows = Array.from({ length: Math.min(LOAD_CHUNK, total - chunk) }, (_, k) => taskRecord(chunk + k));
      statements.push(...insertTaskRecords(raw.dialect, rows));
    }
    await raw.transaction(statements);
    const done = Math.min(total, start + LOAD_CHUNK * 10);
    const rate = done / ((performance.now() - started) / 1000);
    const eta = Math.round((total - done) / rate);
    progress(
      `\r${label}: task records ${done.toLocaleString("en")} / ${total.toLocaleString("en")} (${Math.round((done / total) * 100)}%), ${Math.round(rate).toLocaleString("en")}/s, ${eta} s left  `,
    );
  }
  progress("\n");
}

async function loadFlows(services: Services, shape: StoreShape, label: string): Promise<void> {
  const total = shape.nestedFlows + shape.checkoutFlows;
  for (let f = 0; f < total; f++) {
    const nested = f < shape.nestedFlows;
    await services.flows.submission.addFlow(
      nested ? flowInput(f, NESTED_FLOW_JOBS) : flowInput(f, shape.checkoutJobsPerFlow, true),
    );
    if (f % 50 === 49 || f === total - 1) progress(`\r${label}: flows ${f + 1} / ${total}  `);
  }
  progress("\n");
}

/**
 * Multi-row INSERTs of complete task-record rows, as few statements as the driver's parameter limit allows — the
 * ingest row's reference, and how the store is loaded.
 */
export function insertTaskRecords(dialect: Dialect, records: readonly TaskRecordData[]): Statement[] {
  const codec = new RowCodec(TASK_RECORD_STORAGE_CATALOGUE, dialect);
  // The store numbers `seq` (insertion order); imports alone write a fingerprint.
  const fields = codec.catalogue.fields.filter((field) => field.name !== "seq" && field.name !== "importFingerprint");
  const perStatement = Math.floor(MAX_BOUND_PARAMETERS[dialect] / fields.length);
  const columns = fields.map((field) => `"${field.column}"`).join(", ");
  const statements: Statement[] = [];
  for (let start = 0; start < records.length; start += perStatement) {
    const values: unknown[] = [];
    const tuples = records.slice(start, start + perStatement).map((record) => {
      const row = completeRecord(record) as unknown as Record<string, unknown>;
      const marks = fields.map((field) => {
        values.push(codec.encode(field.name, row[field.name]));
        return dialect === "postgres" ? `$${values.length}` : "?";
      });
      return `(${marks.join(", ")})`;
    });
    statements.push({ sql: `INSERT INTO "task_records" (${columns}) VALUES ${tuples.join(", ")}`, values });
  }
  return statements;
}
