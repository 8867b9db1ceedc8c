/**
 * `npm run bench` end to end at a tiny size, as a smoke test: it builds both stores, starts hubql and the
 * references, measures every row and prints JSON of the documented shape, and the Markdown table renders it. No
 * timing is asserted (a test that fails on a busy machine tells nothing).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { describe, expect, it } from "vitest";

import { markdown, type Report } from "../../scripts/bench/report";
import { ensureBuilt, ROOT } from "../support/built-server";
import { createPostgresDatabase } from "../support/databases";

const BENCH = join(ROOT, "dist/scripts/bench.js");

describe("npm run bench", () => {
  it("measures every row on both stores and prints the table's JSON", async () => {
    ensureBuilt();
    if (!existsSync(BENCH)) throw new Error(`${BENCH} missing: run npm run build`);
    const dir = mkdtempSync(join(tmpdir(), "hubql-bench-test-"));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [BENCH, "--records", "300", "--seconds", "0.05", "--clients", "2", "--dir", dir, "--json"],
        { cwd: ROOT, env: { ...process.env, BENCH_PG_URL: await createPostgresDatabase("bench") }, timeout: 240_000 },
      );
      const report = JSON.parse(stdout) as Report & { rows: { verdict: { met: boolean | null } }[] };
      expect(report).toMatchObject({ records: 300, seconds: 0.05, clients: 2 });
      expect(report.machine.cores).toBeGreaterThan(0);
      expect(report.machine.postgres).toMatch(/^Postgres \d+/);
      expect(report.machine.sqlite).toMatch(/^3\.\d+/);
      // The SQLite file is in `dir`, on this machine (a Postgres from HUBQL_TEST_DATABASE_URL may not be).
      expect(report.machine.fileSystems?.sqlite).toMatch(/^\w+/);
      expect(report.machine.load?.end).toBeGreaterThanOrEqual(0);

      const works = report.rows.map((row) => `${row.store}: ${row.work}`);
      const has = (prefix: string) => works.filter((work) => work.startsWith(prefix)).length;
      for (const store of ["postgres", "sqlite"]) {
        for (const work of [
          "taskRecords(filter",
          "same, throughput",
          "taskRecords(first: 100, after",
          "flows(first: 100)",
        ]) {
          expect(has(`${store}: ${work}`)).toBe(1);
        }
        for (const work of ["ingest 30 records in batches of 3", "peak RSS", "purge all 300 records"]) {
          expect(has(`${store}: ${work}`)).toBe(1);
        }
        expect(has(`${store}: readers (/healthz, a page of 10) during the purge`)).toBe(1);
        expect(has(`${store}: readers (/healthz, a page of 10) while 30 records are ingested over a retention`)).toBe(
          1,
        );
      }
      // Purging everything on Postgres has a target in time besides its ratio (issue 14: ≤ 1 s).
      const purgeTime = report.rows.filter((row) => row.work === "same, its time");
      expect(purgeTime.map((row) => [row.store, row.measure.name, row.target])).toEqual([
        ["postgres", "seconds", { op: "≤", value: 1 }],
      ]);
      expect(purgeTime[0]?.measure.value).toBe(purgeTime[0]?.hubql.seconds);
      expect(works.indexOf("postgres: same, its time")).toBe(works.indexOf("postgres: purge all 300 records") + 1);
      expect(has("postgres: checkout")).toBe(1);
      expect(has("sqlite: checkout")).toBe(0);
      expect(has("—: { __typename }")).toBe(1);
      // The floors under SQLite's list, numbers without a target: HTTP, a worker thread and the same SQL without
      // GraphQL; bare Apollo answering the same page from memory, without a database.
      for (const prefix of ["its floor (not hubql)", "GraphQL's floor (not hubql)"]) {
        const floor = report.rows.filter((row) => row.work.startsWith(prefix));
        expect(floor.map((row) => row.store)).toEqual(["sqlite"]);
        expect(floor[0]?.measure.value).toBeGreaterThan(0);
        expect(floor[0]?.target).toBeNull();
        expect(floor[0]?.note).toMatch(/^hubql's ratio above is \d+\.\d\d× this one$/);
      }
      expect(report.rows.find((row) => row.work.startsWith("GraphQL's floor"))?.hubql.statements).toBe(0);
      expect(report.rows).toHaveLength(2 * 9 + 5);

      for (const row of report.rows) {
        expect(row.hubql).toBeTypeOf("object");
        expect(row.measure.name).toBeTypeOf("string");
        expect(row.measure.value === null || Number.isFinite(row.measure.value)).toBe(true);
        if (row.target) expect(["≤", "≥", "<"]).toContain(row.target.op);
        expect(row.verdict).toHaveProperty("met");
      }
      // Every row that has a target and a reference got a number to judge.
      for (const row of report.rows.filter((r) => r.target && r.reference)) expect(row.measure.value).not.toBeNull();

      const table = markdown(report).split("\n");
      expect(table[2]).toBe("| work | store | hubql | reference | measure | target | verdict |");
      expect(
        table.filter((line) => line.startsWith("| ") && !line.startsWith("| work") && !line.startsWith("| ---")),
      ).toHaveLength(report.rows.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe("bench-import", () => {
  it("times imports, each in a process of its own, against the reference and prints both rows' JSON", async () => {
    ensureBuilt();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, "dist/scripts/bench-import.js"), "--records", "200", "--rounds", "2", "--json"],
      { cwd: ROOT, timeout: 120_000 },
    );
    const report = JSON.parse(stdout) as {
      records: number;
      rounds: number;
      rows: { store: string; hubql: Record<string, number>; measure: { value: number | null } }[];
    };
    expect(report).toMatchObject({ records: 200, rounds: 2 });
    const [importRow, readerRow] = report.rows;
    expect(report.rows).toHaveLength(2);
    expect(importRow?.store).toBe("sqlite");
    expect(importRow?.hubql["perSecond"]).toBeGreaterThan(0);
    expect(importRow?.measure.value).toBeGreaterThan(0);
    expect(readerRow?.hubql["p99"]).toBeGreaterThanOrEqual(0);
  }, 150_000);
});
