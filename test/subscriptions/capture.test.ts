/**
 * The capture triggers themselves, on both stores: present on every watched table for every kind of write, silent
 * while no gateway holds a listener lease, and — SQLite, which has no row-to-JSON — a DELETE before-image that names
 * every column of its table. A migration that adds a column to a watched table must call `captureChanges` again
 * (migrations/sqlite/change-capture.ts); this test says which table it forgot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Database } from "../../src/db/database";
import { parseDatabaseUrl } from "../../src/db/database-url";
import type { Dialect } from "../../src/dialect";
import { WATCHED } from "../../src/services/changes/change.model";
import { DIALECTS, freshDatabaseUrl } from "../support/databases";

const TABLES = Object.values(WATCHED).map((watched) => watched.table);

describe.each(DIALECTS)("change capture on %s", (dialect: Dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open(parseDatabaseUrl(await freshDatabaseUrl(dialect)) as never);
  });
  afterAll(() => db?.close());

  it("every watched table has an insert, update and delete trigger", async () => {
    const triggers =
      dialect === "postgres"
        ? await db.query<{ name: string }>(`SELECT tgname AS "name" FROM pg_trigger WHERE NOT tgisinternal`)
        : await db.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'trigger'`);
    const names = new Set(triggers.map((trigger) => trigger.name));
    for (const table of TABLES) {
      for (const operation of ["insert", "update", "delete"])
        expect(names).toContain(`change_log_${table}_${operation}`);
    }
  });

  it.runIf(dialect === "sqlite")(
    "each SQLite delete trigger's before-image names every column of its table",
    async () => {
      for (const table of TABLES) {
        const [trigger] = await db.query<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE name = :name`, {
          name: `change_log_${table}_delete`,
        });
        const columns = await db.query<{ name: string }>(`SELECT name FROM pragma_table_info(:table)`, { table });
        const missing = columns.map((column) => column.name).filter((name) => !trigger?.sql.includes(`OLD."${name}"`));
        expect(missing, `${table}: a migration added columns without calling captureChanges again`).toEqual([]);
      }
    },
  );

  it("captures nothing while no gateway listens, every write once one does", async () => {
    const count = async () => Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS "n" FROM "change_log"`))[0]?.n);
    await db.run(`INSERT INTO "task_records" ("msg_id") VALUES ('quiet')`);
    expect(await count()).toBe(0);
    await db.run(`INSERT INTO "change_listeners" ("listener", "expires_at") VALUES ('test', :far)`, {
      far: Date.now() + 3_600_000,
    });
    await db.run(`INSERT INTO "task_records" ("msg_id") VALUES ('heard')`);
    await db.run(`UPDATE "task_records" SET "label" = 'x' WHERE "msg_id" = 'heard'`);
    await db.run(`DELETE FROM "task_records" WHERE "msg_id" = 'heard'`);
    const logged = await db.query<{ kind: string; key: string; before: unknown }>(
      `SELECT "kind", "key", "before" FROM "change_log" ORDER BY "id"`,
    );
    expect(logged.map(({ kind, key }) => [kind, key])).toEqual([
      ["ADDED", "heard"],
      ["UPDATED", "heard"],
      ["DELETED", "heard"],
    ]);
    const before = logged[2]?.before;
    expect(typeof before === "string" ? JSON.parse(before) : before).toMatchObject({ msg_id: "heard", label: "x" });
    // An expired lease is no listener.
    await db.run(`UPDATE "change_listeners" SET "expires_at" = 0`);
    await db.run(`INSERT INTO "task_records" ("msg_id") VALUES ('quiet-again')`);
    expect(await count()).toBe(3);
  });
});
