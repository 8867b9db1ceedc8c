/**
 * The issue-16 migration (JobDocuments1763800416000) over a store written before it, on both dialects: job rows
 * keep their output text and gain flow-level parents equal to their parents; documents start null; the rows then
 * work through the API as before.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DataSource } from "typeorm";

import { postgresMigrations } from "../../migrations/postgres";
import { sqliteMigrations } from "../../migrations/sqlite";
import { Database } from "../../src/db/database";
import { parseDatabaseUrl } from "../../src/db/database-url";
import type { Dialect } from "../../src/dialect";
import { DIALECTS, freshDatabaseUrl } from "../support/databases";

const MIGRATION = "JobDocuments1763800416000";

/** Runs every migration before the issue-16 one on a fresh store. */
async function storeBefore(dialect: Dialect): Promise<{ url: string; source: DataSource }> {
  const url = await freshDatabaseUrl(dialect);
  const location = parseDatabaseUrl(url);
  const before = (list: readonly (new () => { name?: string })[]) =>
    list.slice(
      0,
      list.findIndex((migration) => new migration().name === MIGRATION),
    );
  const source =
    location.kind === "postgres"
      ? new DataSource({ type: "postgres", url: location.url, migrations: before(postgresMigrations) })
      : new DataSource({
          type: "better-sqlite3",
          database: (location as { path: string }).path,
          migrations: before(sqliteMigrations),
        });
  await source.initialize();
  await source.runMigrations({ transaction: "each" });
  return { url, source };
}

describe.each(DIALECTS)("the job-documents migration on %s", (dialect) => {
  let db: Database | undefined;
  afterEach(() => db?.close());

  it("keeps outputs as text, backfills flow_parents from parents, leaves documents null", async () => {
    const { url, source } = await storeBefore(dialect);
    const now = dialect === "postgres" ? "now()" : "'2025-01-01T00:00:00.000Z'";
    await source.query(
      `INSERT INTO "flows" ("uuid", "name", "state", "metadata", "created_on", "updated_on") VALUES ('f', 'f', 'RUNNING', '{}', ${now}, ${now})`,
    );
    for (const [seq, uuid, parents, output] of [
      [1, "a", "[]", `'{"x": 1.5, "s": "日本"}'`],
      [2, "b", `["a"]`, "NULL"],
    ] as const) {
      await source.query(
        `INSERT INTO "jobs" ("db_id", "db_seq", "uuid", "index", "flow_uuid", "name", "state", "metadata", "parents", "output", "created_on", "updated_on")
         VALUES ('${seq}', ${seq}, '${uuid}', 1, 'f', '${uuid}', '${seq === 1 ? "COMPLETED" : "READY"}', '{}', '${parents}', ${output}, ${now}, ${now})`,
      );
    }
    await source.destroy();
    db = await Database.open(parseDatabaseUrl(url) as never);
    const rows = await db.query<{ uuid: string; flow_parents: unknown; output: string | null; document: null }>(
      `SELECT "uuid", "flow_parents", "output", "document" FROM "jobs" ORDER BY "db_seq"`,
    );
    const parse = (value: unknown) => (typeof value === "string" ? (JSON.parse(value) as unknown) : value);
    expect(rows.map((row) => [row.uuid, parse(row.flow_parents), row.document])).toEqual([
      ["a", [], null],
      ["b", ["a"], null],
    ]);
    expect(typeof rows[0]?.output).toBe("string");
    expect(JSON.parse(rows[0]?.output as string)).toEqual({ x: 1.5, s: "日本" });
    expect(rows[1]?.output).toBeNull();
    const flows = await db.query<{ document: null }>(`SELECT "document" FROM "flows"`);
    expect(flows).toEqual([{ document: null }]);
  });
});
