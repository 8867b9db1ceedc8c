/**
 * SQLite's checkpoints run beside the commits, on a connection of their own (src/db/wal-checkpointer.ts), instead of
 * inside the commit that takes the WAL past 1,000 pages. The writer's own autocheckpoint starts only at
 * WRITER_AUTOCHECKPOINT_PAGES (40 MiB), so a WAL that stays at a few commits' worth while far more is written shows
 * that the background checkpoints copy it back, and the database file growing shows where the records went.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import BetterSqlite3 from "better-sqlite3";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { Database } from "../../src/db/database";
import { SqliteThread } from "../../src/db/sqlite-thread";
import { sqliteWorkerScript } from "../../src/db/sqlite-worker-script";
import { WalCheckpointer, WRITER_AUTOCHECKPOINT_PAGES } from "../../src/db/wal-checkpointer";
import { startTestGateway, type TestGateway } from "../support/gateway";

const BATCHES = 80;
const PER_BATCH = 250;
const STDOUT = "x".repeat(3000);
/** What the batches write, text alone: 60 MB, past the writer's own threshold of 40 MiB. */
const WRITTEN = BATCHES * PER_BATCH * STDOUT.length;

describe("WAL checkpoints on SQLite", () => {
  let gw: TestGateway;
  let file: string;

  beforeEach(async () => {
    gw = await startTestGateway("sqlite");
    file = gw.databaseUrl.slice("sqlite:".length);
  });
  afterEach(() => gw.close());

  it("leave the writer's own autocheckpoint as a safety net only", async () => {
    const db = gw.services.context.db as Database;
    const { rows } = await db.runPositional("PRAGMA wal_autocheckpoint", []);
    expect(rows).toEqual([{ wal_autocheckpoint: WRITER_AUTOCHECKPOINT_PAGES }]);
  });

  it("keep the WAL near 8 MiB while 60 MB of records are added, and bring the records to the database file", async () => {
    let largestWal = 0;
    for (let batch = 0; batch < BATCHES; batch++) {
      const records = Array.from({ length: PER_BATCH }, (_, k) => ({ msgId: `w-${batch}-${k}`, stdout: STDOUT }));
      await gw.services.tasks.add(records);
      largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
    }
    // A batch is about 0.75 MB of text. The WAL file is as large as the most it ever held at once: 8 MiB
    // (WAL_RESTART_PAGES) and the few batches committed while the checkpoint that starts it over ran.
    expect(largestWal).toBeLessThan(WRITTEN / 2);
    await expect.poll(() => statSync(file).size, { timeout: 10_000 }).toBeGreaterThan(WRITTEN);
    const { taskRecords } = await gw.ok<{ taskRecords: { totalCount: number } }>(
      `{ taskRecords(first: 1) { totalCount } }`,
    );
    expect(taskRecords.totalCount).toBe(BATCHES * PER_BATCH);
  });
});

describe("the checkpointer's thread", () => {
  it("starts with the first checkpoint and stops when none has been asked for a while", async () => {
    const gw = await startTestGateway("sqlite");
    const script = await sqliteWorkerScript();
    const file = gw.databaseUrl.slice("sqlite:".length);
    const threads: SqliteThread[] = [];
    const checkpointer = new WalCheckpointer(() => {
      const thread = new SqliteThread(script, { file, readonly: false, busyTimeoutMs: 5000 });
      threads.push(thread);
      return thread;
    }, 200);
    try {
      expect(threads).toHaveLength(0);
      await gw.services.tasks.add([{ msgId: "idle-1" }]);
      checkpointer.written();
      checkpointer.written();
      await expect.poll(() => threads.length).toBe(1);
      await expect.poll(() => threads[0]?.retired, { timeout: 5000 }).toBe(true);
      checkpointer.written();
      await expect.poll(() => threads.length).toBe(2);
      expect(threads[1]?.retired).toBe(false);
    } finally {
      await checkpointer.close();
      await gw.close();
    }
    expect(threads.every((thread) => thread.retired)).toBe(true);
  });
});

const ROOT = join(__dirname, "../..");
const BUILDER = join(ROOT, "test/fixtures/build-ipython-tasks-db.py");
const IMPORT_CLI = join(ROOT, "dist/src/cli/import-ipython.js");

describe("a process that only writes to SQLite", () => {
  // Its writes wait for checkpoints past WAL_RESTART_PAGES. Nothing else keeps such a process alive: a wait that
  // held no reference on the event loop let the import end in the middle, silently, with exit code 0.
  it("runs to the end: the built import CLI stores every record of a file larger than the WAL's limit", () => {
    const dir = mkdtempSync(join(tmpdir(), "hubql-wal-"));
    const file = join(dir, "tasks.db");
    const records = 15_000;
    const built = spawnSync("python3", [BUILDER, file, String(records)], { stdio: "ignore" });
    expect(built.status).toBe(0);
    const store = join(dir, "store.db");
    const cli = spawnSync(process.execPath, [IMPORT_CLI, file], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: `sqlite:${store}`, LOG_LEVEL: "error" },
    });
    expect(cli.stdout).toContain(`read ${records}, added ${records}`);
    expect(cli.status).toBe(0);
    const db = new BetterSqlite3(store, { readonly: true });
    try {
      expect(db.prepare(`SELECT COUNT(*) AS n FROM "task_records"`).get()).toEqual({ n: records });
    } finally {
      db.close();
    }
  }, 120_000);
});
