import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { formatSummary, parseImportArgs } from "../../../src/cli/import-ipython";
import { parseInstant } from "../../../src/dialect";
import { IpythonSource } from "../../../src/services/tasks/ipython-source";
import { IpythonImportError } from "../../../src/services/tasks/task-import.service";
import { TASK_RECORD_KEYS } from "../../../src/services/tasks/task-record.model";
import { ensureBuilt, ROOT } from "../../support/built-server";
import { DIALECTS } from "../../support/databases";
import { startTestGateway, type TestGateway } from "../../support/gateway";

const BUILDER = resolve(__dirname, "../../fixtures/build-ipython-tasks-db.py");
const TIMESTAMPS = new Set(["submitted", "started", "completed", "received"]);
const TABLE = `"ipython-tasks"`;

/**
 * A task database written the way ipyparallel's SQLiteDB writes one; returns its path and its records. More tables
 * go into the same file with `addTable` (their msg_ids numbered on from `first`).
 */
function buildFixture(count: number, table?: string, file?: string, first = 0) {
  const path = file ?? join(mkdtempSync(join(tmpdir(), "hubql-ipython-")), "tasks.db");
  const out = execFileSync("python3", [BUILDER, path, String(count), table ?? "ipython-tasks", String(first)], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { file: path, records: JSON.parse(out) as Record<string, unknown>[] };
}

/** The file's datetimes (Python isoformat, any offset) as the instants hubql keeps: exact, to the microsecond. */
function comparable(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key,
      TIMESTAMPS.has(key) && typeof value === "string" ? parseInstant(value) : value,
    ]),
  );
}

/** Changes the file as the Hub would (SQLiteDB's UPDATE). */
function updateFile(file: string, msgId: string, fields: Record<string, string | null>): void {
  const db = new BetterSqlite3(file);
  const sets = Object.keys(fields).map((key) => `"${key}" = ?`);
  db.prepare(`UPDATE ${TABLE} SET ${sets.join(", ")} WHERE msg_id = ?`).run(...Object.values(fields), msgId);
  db.close();
}

const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;

describe("import-ipython arguments", () => {
  it("reads [ipython] <file> [--table name | --all-tables] [--overwrite]", () => {
    const plain = { allTables: false, overwrite: false };
    expect(parseImportArgs(["ipython", "tasks.db"])).toEqual({ file: "tasks.db", table: "ipython-tasks", ...plain });
    expect(parseImportArgs(["tasks.db", "--table", "old_1"])).toEqual({ file: "tasks.db", table: "old_1", ...plain });
    expect(parseImportArgs(["--table=t", "x.db"])).toEqual({ file: "x.db", table: "t", ...plain });
    expect(parseImportArgs(["x.db", "--all-tables", "--overwrite"])).toEqual({
      file: "x.db",
      table: "ipython-tasks",
      allTables: true,
      overwrite: true,
    });
    expect(() => parseImportArgs([])).toThrow(/name the task database/);
    expect(() => parseImportArgs(["a.db", "b.db"])).toThrow(/one file/);
    expect(() => parseImportArgs(["a.db", "--force"])).toThrow(/unknown option/);
    expect(() => parseImportArgs(["a.db", "--table"])).toThrow(/table name/);
    expect(() => parseImportArgs(["a.db", "--table", "t", "--all-tables"])).toThrow(/not both/);
  });
});

describe.each(DIALECTS)("importing an ipyparallel task database into %s", (dialect) => {
  let gw: TestGateway;
  let fixture: { file: string; records: Record<string, unknown>[] };
  const stored = async (msgId: string) =>
    (await gw.services.tasks.dbQuery({ msg_id: msgId }, [...TASK_RECORD_KEYS]))[0];
  const importFile = (options: Parameters<TestGateway["services"]["taskImport"]["importFile"]>[1] = {}) =>
    gw.services.taskImport.importFile(fixture.file, options);

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    fixture = buildFixture(60);
  });
  afterAll(() => gw.close());

  it("loads every record exactly (instants to the microsecond), in the file's order, with progress and a summary", async () => {
    const progress: [number, number][] = [];
    const summary = await importFile({ batchSize: 25, onProgress: (done, total) => progress.push([done, total]) });
    expect(summary).toMatchObject({ read: 60, added: 60, updated: 0, unchanged: 0, skipped: 0, otherTables: [] });
    expect(summary.tables).toEqual([
      expect.objectContaining({ table: "ipython-tasks", read: 60, added: 60, ignoredColumns: [] }),
    ]);
    expect(progress).toEqual([
      [25, 60],
      [50, 60],
      [60, 60],
    ]);
    expect(formatSummary("tasks.db", summary)).toMatch(
      /^tasks\.db \(table 'ipython-tasks'\): read 60, added 60, updated 0, unchanged 0, skipped 0 in [\d.]+ s$/,
    );

    const rows = await gw.services.tasks.dbQuery({}, [...TASK_RECORD_KEYS]);
    expect(rows.map((row) => row["msg_id"])).toEqual(fixture.records.map((record) => record["msg_id"]));
    rows.forEach((row, i) => expect(row, String(row["msg_id"])).toEqual(comparable(fixture.records[i] ?? {})));
  });

  it("answers filters on imported datetimes as instants, whatever offset the file used", async () => {
    // Record 3 was written as 13:03:00+02:00, i.e. 11:03Z; records 0…2 are earlier. Record 0 has microseconds.
    const rows = await gw.services.tasks.dbQuery({ submitted: { $lt: "2024-05-01T11:03:00Z" } }, ["msg_id"]);
    expect(rows.map((row) => row["msg_id"])).toEqual([id(0), id(1), id(2)]);
    const exact = await gw.services.tasks.dbQuery({ submitted: "2024-05-01T11:00:00.123456Z" }, ["msg_id"]);
    expect(exact.map((row) => row["msg_id"])).toEqual([id(0)]);
  });

  it("converges: a second run completes what finished since, keeps hubql's own changes, changes nothing else", async () => {
    // Every fifth record was pending (4, 9, …); the Hub finishes two of them. Record 9 was also changed in hubql.
    const done = { completed: "2024-05-01T12:00:00.000007+00:00", engine_uuid: "engine-late", stdout: "late\n" };
    updateFile(fixture.file, id(4), done);
    updateFile(fixture.file, id(9), done);
    expect(await stored(id(4))).toMatchObject({ completed: null });
    await gw.services.tasks.update(id(9), { label: "changed in hubql" });
    // Record 1 changed in hubql only: the file has nothing new for it.
    await gw.services.tasks.update(id(1), { label: "mine" });

    const second = await importFile({ batchSize: 7 });
    expect(second).toMatchObject({ read: 60, added: 0, updated: 1, unchanged: 58, skipped: 1 });
    expect(second.tables[0]?.skippedIds).toEqual([id(9)]);
    expect(formatSummary("tasks.db", second)).toMatch(/skipped 1: changed in hubql since imported.*--overwrite/);
    expect(await stored(id(4))).toMatchObject({
      completed: "2024-05-01T12:00:00.000007Z",
      engine_uuid: "engine-late",
      stdout: "late\n",
    });
    expect(await stored(id(9))).toMatchObject({ completed: null, label: "changed in hubql" });
    expect(await stored(id(1))).toMatchObject({ label: "mine" });

    // Nothing new: a third run changes nothing, and still keeps record 9 as hubql has it.
    expect(await importFile()).toMatchObject({ added: 0, updated: 0, unchanged: 59, skipped: 1 });

    // --overwrite: the file wins wherever hubql differs from it.
    expect(await importFile({ overwrite: true })).toMatchObject({ updated: 2, unchanged: 58, skipped: 0 });
    expect(await stored(id(9))).toMatchObject({ completed: "2024-05-01T12:00:00.000007Z", label: "job-9" });
    expect(await stored(id(1))).toMatchObject({ label: "job-1" });
    expect(await importFile()).toMatchObject({ updated: 0, unchanged: 60, skipped: 0 });
    expect(await gw.services.tasks.count({})).toBe(60);
    // Updates keep the record's place in the Hub's order.
    expect((await gw.services.tasks.dbQuery({}, ["msg_id"])).map((row) => row["msg_id"])).toEqual(
      fixture.records.map((record) => record["msg_id"]),
    );
  });

  it("completes records a live Hub wrote (not imported) when the file has them finished; keeps the rest", async () => {
    await gw.services.tasks.add([{ msgId: id(60), submitted: parseInstant("2024-05-01T12:00:00Z") }]);
    await gw.services.tasks.add([{ msgId: id(61), label: "live", submitted: parseInstant("2024-05-01T12:01:00Z") }]);
    const more = buildFixture(3, "ipython-tasks", fixture.file, 60); // 60, 61 (completed), 62 (new)
    updateFile(fixture.file, id(61), { completed: null });
    expect(more.records).toHaveLength(3);
    const summary = await importFile();
    expect(summary).toMatchObject({ added: 1, updated: 1, unchanged: 60, skipped: 1 });
    expect(await stored(id(60))).toMatchObject({ completed: expect.stringMatching(/^2024-05-01T/), label: "job-60" });
    expect(await stored(id(61))).toMatchObject({ completed: null, label: "live" });
  });
});

describe.each(DIALECTS)("resubmission links from an imported file on %s", (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(dialect);
  });
  afterAll(() => gw.close());

  it("fills resubmittedFrom from the Hub's resubmitted, whichever record comes first, across batches", async () => {
    const { file } = buildFixture(12);
    updateFile(file, id(2), { resubmitted: id(7) }); // the resubmission comes later in the file
    updateFile(file, id(9), { resubmitted: id(4) }); // …or earlier
    updateFile(file, id(4), { resubmitted: id(11) }); // chains
    updateFile(file, id(6), { resubmitted: id(8) }); // both in one batch (6, 7, 8)
    // Named by a stored original (batch 1) and by a later one of its own batch (9, 10, 11): the latest original wins.
    updateFile(file, id(1), { resubmitted: id(10) });
    updateFile(file, id(11), { resubmitted: id(10) });
    await gw.services.taskImport.importFile(file, { batchSize: 3 });
    const ids = [2, 7, 9, 4, 11, 0, 6, 8, 1, 10];
    const rows = await gw.services.tasks.getMany(ids.map(id), ["resubmitted", "resubmittedFrom"]);
    expect(rows.map((row) => [row?.resubmitted, row?.resubmittedFrom])).toEqual([
      [id(7), null],
      [null, id(2)],
      [id(4), null],
      [id(11), id(9)],
      [id(10), id(4)],
      [null, null],
      [id(8), null],
      [null, id(6)],
      [id(10), null],
      [null, id(11)],
    ]);
    expect(await gw.services.tasks.count({ resubmitted_from: { $ne: null } })).toBe(5);
  });
});

describe("several task tables in one file (one per controller start)", () => {
  let gw: TestGateway;
  let file: string;
  beforeAll(async () => {
    gw = await startTestGateway("sqlite");
    file = buildFixture(4).file;
    buildFixture(2, "ipython-tasks_10", file, 100);
    buildFixture(3, "ipython-tasks_1", file, 10);
    buildFixture(2, "ipython-tasks_2", file, 20);
  });
  afterAll(() => gw.close());

  it("imports the default table and names the task tables it left out, in run order", async () => {
    const summary = await gw.services.taskImport.importFile(file);
    expect(summary).toMatchObject({ read: 4, added: 4 });
    expect(summary.otherTables).toEqual(["ipython-tasks_1", "ipython-tasks_2", "ipython-tasks_10"]);
    expect(formatSummary("tasks.db", summary)).toMatch(
      /not imported: task table\(s\) 'ipython-tasks_1', 'ipython-tasks_2', 'ipython-tasks_10' \(--all-tables/,
    );
  });

  it("imports every task table with allTables, in run order, converging on the one already imported", async () => {
    const summary = await gw.services.taskImport.importFile(file, { allTables: true });
    expect(summary.tables.map((table) => [table.table, table.added, table.unchanged])).toEqual([
      ["ipython-tasks", 0, 4],
      ["ipython-tasks_1", 3, 0],
      ["ipython-tasks_2", 2, 0],
      ["ipython-tasks_10", 2, 0],
    ]);
    expect(summary).toMatchObject({ read: 11, added: 7, unchanged: 4, otherTables: [] });
    expect(formatSummary("tasks.db", summary)).toMatch(/all 4 tables: read 11, added 7, updated 0, unchanged 4/);
    const order = (await gw.services.tasks.dbQuery({}, ["msg_id"])).map((row) => row["msg_id"]);
    expect(order).toEqual([0, 1, 2, 3, 10, 11, 12, 20, 21, 100, 101].map(id));
  });
});

describe("a long import in the gateway's process", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway("sqlite");
  });
  afterAll(() => gw.close());

  it("hands the event loop over between batches (short batches by rows and by buffer bytes)", async () => {
    const { file } = buildFixture(40);
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const batches: number[] = [];
    await gw.services.taskImport.importFile(file, {
      batchSize: 10,
      batchBytes: 64, // a few rows' pickled buffers: the byte budget cuts batches further
      onProgress: (done) => batches.push(done),
    });
    running = false;
    expect(batches.length).toBeGreaterThan(4);
    expect(batches[batches.length - 1]).toBe(40);
    // Without a hand-over between batches, nothing else runs until the import ends (better-sqlite3 is synchronous).
    expect(turns).toBeGreaterThanOrEqual(batches.length);
  });
});

describe("reading a task table in chunks", () => {
  it("cuts by rows and by pickled buffer bytes (at least one row each), every row once, in rowid order", () => {
    const { file } = buildFixture(45);
    // Every row's pickled bytes, as SQLite counts them, and the greedy cut the budget asks for.
    const db = new BetterSqlite3(file, { readonly: true });
    const sizes = db
      .prepare(
        `SELECT msg_id AS id, ifnull(length(buffers), 0) + ifnull(length(result_buffers), 0) AS n FROM ${TABLE} ORDER BY rowid`,
      )
      .all() as { id: string; n: number }[];
    db.close();
    const source = IpythonSource.open(file);
    try {
      const columns = source.checkedColumns("ipython-tasks");
      for (const [maxRows, maxBytes] of [
        [10, Number.MAX_SAFE_INTEGER],
        [20, 3 * (sizes[0]?.n ?? 0)],
        [7, 1],
        [100, 0],
      ] as const) {
        const expected: string[][] = [];
        let bytes = 0;
        for (const { id, n } of sizes) {
          const current = expected[expected.length - 1];
          if (!current || current.length === maxRows || bytes + n > maxBytes) {
            expected.push([id]);
            bytes = n;
          } else {
            current.push(id);
            bytes += n;
          }
        }
        const chunks: string[][] = [];
        for (const chunk of source.chunks("ipython-tasks", columns, maxRows, maxBytes)) {
          const ids: string[] = [];
          for (let record = chunk.next(); record; record = chunk.next()) ids.push(record.msgId);
          expect(chunk.next()).toBeNull();
          chunks.push(ids);
        }
        expect(chunks, `${maxRows} rows, ${maxBytes} bytes`).toEqual(expected);
      }
      // Chunks left half read: each next one starts after the last row taken from the one before.
      const taken: string[] = [];
      for (const chunk of source.chunks("ipython-tasks", columns, 10, Number.MAX_SAFE_INTEGER)) {
        for (let i = 0; i < 3; i++) {
          const record = chunk.next();
          if (record) taken.push(record.msgId);
        }
      }
      expect(taken).toEqual(sizes.map((row) => row.id));
    } finally {
      source.close();
    }
  });
});

describe("reading a file its Hub shrinks meanwhile", () => {
  // The file is read through a memory map (MAP_BYTES in ipython-source.ts): SQLite must drop the map when another
  // connection shrinks the file, or a read past the new end faults (SIGBUS) and ends this process.
  it.each(["delete", "wal"])("reads on while VACUUM shrinks it (journal mode %s)", async (mode) => {
    const { file, records } = buildFixture(1500);
    const known = new Set(records.map((record) => record["msg_id"]));
    const shrinker = spawn(
      process.execPath,
      [
        "-e",
        `const db = new (require("better-sqlite3"))(process.argv[1]);
         db.pragma("busy_timeout = 10000");
         db.pragma("journal_mode = ${mode}");
         for (let i = 0; i < 25; i++) {
           db.exec('DELETE FROM ${TABLE} WHERE rowid IN (SELECT rowid FROM ${TABLE} ORDER BY rowid DESC LIMIT 50)');
           db.exec("VACUUM");
           if ("${mode}" === "wal") db.pragma("wal_checkpoint(TRUNCATE)");
         }`,
        file,
      ],
      { cwd: ROOT, stdio: "inherit" },
    );
    const exited = new Promise<number | null>((resolve) => shrinker.once("exit", resolve));
    let running = true;
    void exited.then(() => (running = false));
    const source = IpythonSource.open(file);
    const readAll = () => {
      const ids: string[] = [];
      for (const chunk of source.chunks("ipython-tasks", source.checkedColumns("ipython-tasks"), 100, 1e12)) {
        for (let record = chunk.next(); record; record = chunk.next()) ids.push(record.msgId);
      }
      return ids;
    };
    try {
      let passes = 0;
      do {
        // Every pass: rows of the file, in its order (the file's msg_ids rise with rowid), each once.
        const ids = readAll();
        expect(ids.every((id, i) => known.has(id) && (i === 0 || id > (ids[i - 1] as string)))).toBe(true);
        passes++;
        await new Promise((resolve) => setImmediate(resolve));
      } while (running);
      expect(await exited).toBe(0);
      expect(passes).toBeGreaterThan(1);
      expect(readAll()).toEqual(records.slice(0, 1500 - 25 * 50).map((record) => record["msg_id"]));
    } finally {
      source.close();
    }
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
    await expect(gw.services.taskImport.importFile(file)).rejects.toThrow(
      /No table 'ipython-tasks'.*ipython-tasks_1.*--table.*--all-tables/,
    );
    expect(await gw.services.taskImport.importFile(file, { table: "ipython-tasks_1" })).toMatchObject({ added: 3 });
  });

  it("refuses a file that is not SQLite, and a buffer that is not a pickled list of bytes, naming the row", async () => {
    const notSqlite = join(mkdtempSync(join(tmpdir(), "hubql-ipython-")), "x.db");
    execFileSync("python3", ["-c", `open(${JSON.stringify(notSqlite)}, "w").write("hello " * 100)`]);
    await expect(gw.services.taskImport.importFile(notSqlite)).rejects.toThrow(/not a database/);

    const { file } = buildFixture(2);
    spoilBuffers(file, id(1));
    const error = await gw.services.taskImport.importFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpythonImportError);
    expect((error as Error).message).toMatch(
      new RegExp(`Row '${id(1)}', column buffers: .*not part of a list of bytes`),
    );
  });

  it("keeps the batches written before a row that does not convert, and nothing from its batch on", async () => {
    // Batches of 10: the 26th row spoils the third batch, converted while the second is written.
    const { file } = buildFixture(40, undefined, undefined, 500);
    spoilBuffers(file, id(525));
    const error = await gw.services.taskImport.importFile(file, { batchSize: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpythonImportError);
    expect((error as Error).message).toMatch(new RegExp(`Row '${id(525)}', column buffers`));
    const ids = Array.from({ length: 40 }, (_, i) => id(500 + i));
    const stored = await gw.services.tasks.dbQuery({ msg_id: { $in: ids } }, ["msg_id"]);
    expect(stored.map((row) => row["msg_id"]).sort()).toEqual(ids.slice(0, 20));
  });
});

describe.each(DIALECTS)("an import into %s that the store stops", (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(dialect);
  });
  afterAll(() => gw.close());

  it("writes nothing after a batch the store refuses, though the batches after it were already sent", async () => {
    // Batches of 10, written three at a time: the store refuses the 15th record, in the second batch.
    const { file } = buildFixture(60, undefined, undefined, 700);
    const refused = id(714);
    const db = gw.services.context.requireDb();
    if (dialect === "sqlite") {
      await db.run(`CREATE TRIGGER refuse_one BEFORE INSERT ON task_records WHEN NEW.msg_id = '${refused}'
        BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    } else {
      await db.run(`CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.msg_id = '${refused}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
      await db.run(
        `CREATE TRIGGER refuse_one BEFORE INSERT ON task_records FOR EACH ROW EXECUTE FUNCTION refuse_one()`,
      );
    }
    try {
      const error = await gw.services.taskImport.importFile(file, { batchSize: 10 }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/refused by the test/);
      const ids = Array.from({ length: 60 }, (_, i) => id(700 + i));
      const stored = await gw.services.tasks.dbQuery({ msg_id: { $in: ids } }, ["msg_id"]);
      expect(stored.map((row) => row["msg_id"]).sort()).toEqual(ids.slice(0, 10));
    } finally {
      await db.run(`DROP TRIGGER refuse_one${dialect === "postgres" ? " ON task_records" : ""}`);
    }
  });
});

/** Makes a row's buffers a pickled dict, which is not SQLiteDB's pickled list of bytes. */
function spoilBuffers(file: string, msgId: string): void {
  const db = new BetterSqlite3(file);
  db.prepare(`UPDATE ${TABLE} SET buffers = ? WHERE msg_id = ?`).run(
    Buffer.from(
      execFileSync("python3", ["-c", "import pickle,sys; sys.stdout.write(pickle.dumps({'a': 1}, 4).hex())"], {
        encoding: "utf8",
      }),
      "hex",
    ),
    msgId,
  );
  db.close();
}

describe("the built import-ipython command", () => {
  const run = (file: string) => {
    ensureBuilt();
    const store = join(mkdtempSync(join(tmpdir(), "hubql-import-cli-")), "store.db");
    return spawnSync(process.execPath, [join(ROOT, "dist/src/cli/import-ipython.js"), "ipython", file], {
      env: { ...process.env, DATABASE_URL: `sqlite:${store}`, LOG_LEVEL: "silent" },
      encoding: "utf8",
    });
  };

  // Its exit status is set after the store has closed: a process whose store threads were all idle once ended
  // while closing them, with status 0 whatever the import's outcome.
  it("exits 0 with its summary after an import, and 1 with the reason after a failed one", () => {
    const { file } = buildFixture(3);
    const done = run(file);
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/read 3, added 3, updated 0, unchanged 0, skipped 0/);

    const notSqlite = join(mkdtempSync(join(tmpdir(), "hubql-ipython-")), "x.db");
    writeFileSync(notSqlite, "hello ".repeat(100));
    const failed = run(notSqlite);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/import failed: .*not a database/);
  });
});
