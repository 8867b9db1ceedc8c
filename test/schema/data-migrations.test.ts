/**
 * Data migrations of issue 15 on a store that has data: a store is built at the migration before them, filled as
 * hubql wrote stores then (instants as millisecond text on SQLite, `timestamptz` on Postgres, no insertion
 * sequence), migrated to the newest schema, and its values and orders checked — through SQL for every datetime
 * column of every table, and through the services for what people see (values, filters a microsecond apart,
 * history, `dbQuery` order, pages, the sequence new records continue).
 */
import { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { postgresMigrations } from "../../migrations/postgres";
import { InstantMicroseconds1796177100000 as PostgresInstants } from "../../migrations/postgres/1796177100000-instant-microseconds";
import { sqliteMigrations } from "../../migrations/sqlite";
import { InstantMicroseconds1796177100000 as SqliteInstants } from "../../migrations/sqlite/1796177100000-instant-microseconds";
import { parseDatabaseUrl } from "../../src/db/database-url";
import { decodeInstant, type Dialect } from "../../src/dialect";
import { createGateway } from "../../src/server/app";
import type { Services } from "../../src/services";
import { DIALECTS, freshDatabaseUrl } from "../support/databases";
import { testConfig, testLogger } from "../support/gateway";

const MAX = "9999-12-31T23:59:59.999999Z";
const MIN = "0001-01-01T00:00:00.000000Z";

type Row = Record<string, string | number | null>;

/** Rows in insertion order, instants as millisecond text (what `toISOString()` wrote), with the expected result. */
function oldRows(dialect: Dialect): { table: string; row: Row }[] {
  const tooLate = dialect === "sqlite" ? "+010000-01-01T00:00:00.000Z" : "10000-01-01 00:00:00+00";
  const tooEarly = dialect === "sqlite" ? "-000001-06-01T00:00:00.000Z" : "0001-06-01 00:00:00+00 BC";
  const task = (msgId: string, submitted: string | null, extra: Row = {}) => ({
    table: "task_records",
    row: { msg_id: msgId, submitted, queue: "task", stdout: "", stderr: "", ...extra },
  });
  return [
    task("late", "2026-01-01T00:00:02.000Z", {
      started: "2026-01-01T00:00:02.125Z",
      completed: "2026-01-01T00:00:03.999Z",
      received: tooLate,
    }),
    task("tie-b", "2026-01-01T00:00:01.500Z"),
    task("tie-a", "2026-01-01T00:00:01.500Z"),
    task("none", null),
    task("early", "2026-01-01T00:00:00.250Z"),
    { table: "task_culled_ids", row: { msg_id: "gone", culled_at: "2025-12-31T23:59:59.001Z", reason: "count" } },
    {
      table: "flows",
      row: {
        uuid: "f1",
        name: "flow",
        state: "RUNNING",
        metadata: "{}",
        lock_id: "l1",
        lock_holder: "worker",
        lock_time: "2026-01-02T10:00:00.010Z",
        lock_expires: "2026-01-02T10:05:00.010Z",
        created_on: "2026-01-02T09:00:00.001Z",
        updated_on: "2026-01-02T09:30:00.002Z",
      },
    },
    {
      table: "jobs",
      row: {
        db_id: "1",
        db_seq: 1,
        uuid: "j1",
        index: 1,
        flow_uuid: "f1",
        name: "job",
        state: "RUNNING",
        metadata: "{}",
        parents: "[]",
        remote_retry_time_limit: "2026-01-02T11:00:00.003Z",
        start_time: "2026-01-02T09:10:00.004Z",
        end_time: tooEarly,
        lock_time: "2026-01-02T10:00:00.005Z",
        lock_expires: "2026-01-02T10:05:00.006Z",
        created_on: "2026-01-02T09:00:00.007Z",
        updated_on: "2026-01-02T09:40:00.008Z",
      },
    },
    {
      table: "scale_job_types",
      row: {
        id: 1,
        name: "type",
        version: "1",
        created: "2026-01-03T00:00:00.011Z",
        last_modified: "2026-01-03T00:00:00.012Z",
      },
    },
    {
      table: "scale_jobs",
      row: {
        id: 1,
        job_type_id: 1,
        status: "QUEUED",
        max_tries: 3,
        queued: "2026-01-03T01:00:00.013Z",
        started: "2026-01-03T01:00:01.014Z",
        ended: "2026-01-03T01:00:02.015Z",
        last_status_change: "2026-01-03T01:00:03.016Z",
        created: "2026-01-03T00:30:00.017Z",
        last_modified: "2026-01-03T00:30:00.018Z",
      },
    },
    {
      table: "scale_queue",
      row: {
        job_type_id: 1,
        job_id: 1,
        exe_num: 1,
        input_file_size: 0,
        priority: 100,
        timeout: 60,
        created: "2026-01-03T01:00:00.019Z",
        queued: "2026-01-03T01:00:00.020Z",
      },
    },
    {
      table: "scale_job_load",
      row: {
        job_type_id: 1,
        measured: "2026-01-03T02:00:00.021Z",
        pending_count: 0,
        queued_count: 1,
        running_count: 0,
        total_count: 1,
      },
    },
  ];
}

/** What a value becomes: the same instant with six fraction digits; beyond 0001–9999 the nearest bound. */
function migrated(value: string): string {
  if (value.startsWith("+") || value.startsWith("10000")) return MAX;
  if (value.startsWith("-") || value.endsWith(" BC")) return MIN;
  return value.replace(/Z$/, "000Z");
}

const DATETIME =
  /^(created|last_modified|queued|started|ended|last_status_change|measured|submitted|completed|received|culled_at|lock_time|lock_expires|created_on|updated_on|remote_retry_time_limit|start_time|end_time)$/;

/** A store of `dialect` migrated up to (not including) the instant migration, with `oldRows` in it. */
async function buildOldStore(dialect: Dialect): Promise<string> {
  const url = await freshDatabaseUrl(dialect);
  const location = parseDatabaseUrl(url);
  const migrations =
    dialect === "sqlite"
      ? sqliteMigrations.slice(0, sqliteMigrations.indexOf(SqliteInstants))
      : postgresMigrations.slice(0, postgresMigrations.indexOf(PostgresInstants));
  const source =
    location.kind === "postgres"
      ? new DataSource({ type: "postgres", url: location.url, migrations })
      : new DataSource({ type: "better-sqlite3", database: (location as { path: string }).path, migrations });
  await source.initialize();
  try {
    await source.runMigrations({ transaction: "each" });
    for (const { table, row } of oldRows(dialect)) {
      const columns = Object.keys(row);
      const placeholders = columns.map((_, i) => (dialect === "postgres" ? `$${i + 1}` : "?"));
      await source.query(
        `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${placeholders.join(", ")})`,
        Object.values(row),
      );
    }
  } finally {
    await source.destroy();
  }
  return url;
}

describe.each(DIALECTS)(
  "migrating a %s store that holds data to microsecond instants and insertion order",
  (dialect) => {
    let services: Services;
    let stop: () => Promise<void>;

    beforeAll(async () => {
      const url = await buildOldStore(dialect);
      const gateway = await createGateway(testConfig(url), testLogger());
      services = gateway.services;
      stop = async () => {
        await gateway.apollo.stop();
        await services.context.db?.close();
      };
    });
    afterAll(() => stop?.());

    it("keeps every instant of every table, now with six fraction digits; clamps what was out of range", async () => {
      const db = services.context.requireDb();
      let checked = 0;
      for (const { table, row } of oldRows(dialect)) {
        const key = Object.entries(row).find(([column]) => !DATETIME.test(column)) as [string, string | number];
        const [stored] = await db.query<Record<string, unknown>>(`SELECT * FROM "${table}" WHERE "${key[0]}" = :key`, {
          key: key[1],
        });
        for (const [column, value] of Object.entries(row)) {
          if (!DATETIME.test(column)) continue;
          const raw = stored?.[column];
          // SQLite holds the canonical text itself; Postgres hands timestamptz over as text, read by the codec.
          const text = dialect === "sqlite" ? raw : decodeInstant(raw);
          expect(text, `${table}.${column}`).toBe(value === null ? null : migrated(String(value)));
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(30);
      if (dialect === "sqlite") {
        // Nothing anywhere is left in another form (text order is time order only if every value is canonical).
        const columns = await db.query<{ table: string; column: string }>(
          `SELECT m.name AS "table", p.name AS "column" FROM sqlite_master m JOIN pragma_table_info(m.name) p
          WHERE m.type = 'table' AND lower(p.type) = 'datetime'`,
        );
        expect(columns.length).toBeGreaterThanOrEqual(20);
        for (const { table, column } of columns) {
          const odd = await db.query(
            `SELECT "${column}" FROM "${table}" WHERE "${column}" IS NOT NULL AND NOT "${column}" GLOB :canonical`,
            {
              canonical:
                "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z",
            },
          );
          expect(odd, `${table}.${column}`).toEqual([]);
        }
      }
    });

    it("numbers existing records in the order the store had (SQLite: inserted; Postgres: submitted, msg_id)", async () => {
      const order = (await services.tasks.dbQuery({}, ["msg_id"])).map((row) => row["msg_id"]);
      expect(order).toEqual(
        dialect === "sqlite"
          ? ["late", "tie-b", "tie-a", "none", "early"]
          : ["none", "early", "tie-a", "tie-b", "late"],
      );
      const ties = dialect === "sqlite" ? ["tie-b", "tie-a"] : ["tie-a", "tie-b"];
      expect(await services.tasks.history()).toEqual(["early", ...ties, "late"]);
    });

    it("filters migrated instants to the microsecond", async () => {
      const ids = async (filter: unknown) =>
        (await services.tasks.dbQuery(filter, ["msg_id"])).map((row) => row["msg_id"] as string).sort();
      expect(await ids({ submitted: "2026-01-01T00:00:01.5Z" })).toEqual(["tie-a", "tie-b"]);
      expect(await ids({ submitted: { $gt: "2026-01-01T00:00:01.500001Z" } })).toEqual(["late"]);
      expect(await ids({ submitted: { $lte: "2026-01-01T00:00:00.249999Z" } })).toEqual([]);
      expect(await ids({ completed: { $date: Date.parse("2026-01-01T00:00:03.999Z") } })).toEqual(["late"]);
      expect(await ids({ received: { $gte: MAX } })).toEqual(["late"]);
    });

    it("pages through them in order, one at a time, and new records continue the sequence", async () => {
      await services.tasks.add([{ msgId: "new", submitted: "2026-01-01T00:00:01.500000Z" as never }]);
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 10; i++) {
        const page: Awaited<ReturnType<Services["tasks"]["list"]>> = await services.tasks.list({ first: 1, after });
        seen.push(...page.edges.map((edge) => edge.node.msgId));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      const ties = dialect === "sqlite" ? ["tie-b", "tie-a"] : ["tie-a", "tie-b"];
      expect(seen).toEqual(["none", "early", ...ties, "new", "late"]);
      const order = (await services.tasks.dbQuery({}, ["msg_id"])).map((row) => row["msg_id"]);
      expect(order[order.length - 1]).toBe("new");
    });
  },
);
