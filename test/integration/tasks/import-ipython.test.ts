import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { formatSummary, parseImportArgs } from "../../../src/cli/import-ipython";
import { importIpythonTasks, IpythonImportError } from "../../../src/services/tasks/ipython-import";
import { TASK_RECORD_KEYS } from "../../../src/services/tasks/task-record.model";
import { DIALECTS } from "../../support/databases";
import { startTestGateway, type TestGateway } from "../../support/gateway";

const BUILDER = resolve(__dirname, "../../fixtures/build-ipython-tasks-db.py");
const TIMESTAMPS = new Set(["submitted", "started", "completed", "received"]);

/** A task database written the way ipyparallel's SQLiteDB writes one; returns its path and its records. */
function buildFixture(count: number, table?: string): { file: string; records: Record<string, unknown>[] } {
  const file = join(mkdtempSync(join(tmpdir(), "hubql-ipython-")), "tasks.db");
  const out = execFileSync("python3", [BUILDER, file, String(count), ...(table ? [table] : [])], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { file, records: JSON.parse(out) as Record<string, unknown>[] };
}

/** Datetimes compare as instants at the store's millisecond precision; the rest as values. */
function comparable(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key,
      TIMESTAMPS.has(key) && typeof value === "string" ? new Date(value).getTime() : value,
    ]),
  );
}

describe("import-ipython arguments", () => {
  it("reads [ipython] <file> [--table name]", () => {
    expect(parseImportArgs(["ipython", "tasks.db"])).toEqual({ file: "tasks.db", table: "ipython-tasks" });
    expect(parseImportArgs(["tasks.db", "--table", "old_1"])).toEqual({ file: "tasks.db", table: "old_1" });
    expect(parseImportArgs(["--table=t", "x.db"])).toEqual({ file: "x.db", table: "t" });
    expect(() => parseImportArgs([])).toThrow(/name the task database/);
    expect(() => parseImportArgs(["a.db", "b.db"])).toThrow(/one file/);
    expect(() => parseImportArgs(["a.db", "--force"])).toThrow(/unknown option/);
    expect(() => parseImportArgs(["a.db", "--table"])).toThrow(/table name/);
  });
});

describe.each(DIALECTS)("importing an ipyparallel task database into %s", (dialect) => {
  let gw: TestGateway;
  let fixture: { file: string; records: Record<string, unknown>[] };
  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    fixture = buildFixture(60);
  });
  afterAll(() => gw.close());

  it("loads every record so that dbQuery answers like the original, with progress and a summary", async () => {
    const progress: [number, number][] = [];
    const summary = await importIpythonTasks(gw.services.tasks, fixture.file, {
      batchSize: 25,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(summary).toMatchObject({ table: "ipython-tasks", read: 60, added: 60, skipped: 0, ignoredColumns: [] });
    expect(progress).toEqual([
      [25, 60],
      [50, 60],
      [60, 60],
    ]);
    expect(formatSummary("tasks.db", summary)).toMatch(/read 60, added 60, skipped 0/);

    const ids = fixture.records.map((record) => record["msg_id"] as string);
    const rows = await gw.services.tasks.dbQuery({ msg_id: { $in: ids } }, [...TASK_RECORD_KEYS]);
    const byId = new Map(rows.map((row) => [row["msg_id"], row]));
    expect(byId.size).toBe(60);
    for (const original of fixture.records) {
      expect(comparable(byId.get(original["msg_id"]) as Record<string, unknown>), original["msg_id"] as string).toEqual(
        comparable(original),
      );
    }
  });

  it("answers filters on imported datetimes as instants, whatever offset the file used", async () => {
    // Record 3 was written as 13:03:00+02:00, i.e. 11:03Z; records 0…2 are earlier.
    const rows = await gw.services.tasks.dbQuery({ submitted: { $lt: "2024-05-01T11:03:00Z" } }, ["msg_id"]);
    expect(rows.map((row) => row["msg_id"]).sort()).toEqual(
      fixture.records.slice(0, 3).map((record) => record["msg_id"]),
    );
  });

  it("is idempotent: a second run adds nothing and changes nothing", async () => {
    await gw.services.tasks.update(fixture.records[0]?.["msg_id"] as string, { label: "changed in hubql" });
    const summary = await importIpythonTasks(gw.services.tasks, fixture.file);
    expect(summary).toMatchObject({ read: 60, added: 0, skipped: 60 });
    expect((await gw.services.tasks.get(fixture.records[0]?.["msg_id"] as string))?.label).toBe("changed in hubql");
    expect(await gw.services.tasks.count({})).toBe(60);
  });
});

describe("import errors", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway("sqlite");
  });
  afterAll(() => gw.close());

  it("reads a named table, and names the tables when the one asked for is missing", async () => {
    const { file } = buildFixture(3, "ipython-tasks_1");
    await expect(importIpythonTasks(gw.services.tasks, file)).rejects.toThrow(
      /No table 'ipython-tasks'.*ipython-tasks_1.*--table/,
    );
    expect(await importIpythonTasks(gw.services.tasks, file, { table: "ipython-tasks_1" })).toMatchObject({ added: 3 });
  });

  it("refuses a file that is not SQLite, and a buffer that is not a pickled list of bytes, naming the row", async () => {
    const notSqlite = join(mkdtempSync(join(tmpdir(), "hubql-ipython-")), "x.db");
    execFileSync("python3", ["-c", `open(${JSON.stringify(notSqlite)}, "w").write("hello " * 100)`]);
    await expect(importIpythonTasks(gw.services.tasks, notSqlite)).rejects.toThrow(/not a database/);

    const { file } = buildFixture(2);
    const db = new BetterSqlite3(file);
    db.prepare(`UPDATE "ipython-tasks" SET buffers = ? WHERE msg_id = ?`).run(
      Buffer.from(
        execFileSync("python3", ["-c", "import pickle,sys; sys.stdout.write(pickle.dumps({'a': 1}, 4).hex())"], {
          encoding: "utf8",
        }),
        "hex",
      ),
      "00000000-0000-4000-8000-000000000001",
    );
    db.close();
    const error = await importIpythonTasks(gw.services.tasks, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpythonImportError);
    expect((error as Error).message).toMatch(
      /Row '00000000-0000-4000-8000-000000000001', column buffers: .*not part of a list of bytes/,
    );
  });
});
