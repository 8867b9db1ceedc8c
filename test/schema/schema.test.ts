/**
 * Schema safety: on both dialects a freshly migrated store holds exactly what the TypeORM entities map (tables,
 * columns, types, nullability, primary keys, indexes, unique constraints), and its normalised dump equals the
 * committed schema/<dialect>.sql — so a migration cannot drift from the entities, or change the schema, unnoticed.
 * Index order, DESC, NULLS FIRST and collations are beyond what entities can say; the dumps hold them.
 *
 * `npm run schema:dump` (HUBQL_SCHEMA_DUMP=write) rewrites the dumps from the migrations.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Database } from "../../src/db/database";
import { parseDatabaseUrl } from "../../src/db/database-url";
import type { Dialect } from "../../src/dialect";
import { DIALECTS, freshDatabaseUrl } from "../support/databases";
import { databaseShape, entityShape, schemaDump } from "./introspect";

const WRITE = process.env["HUBQL_SCHEMA_DUMP"] === "write";

describe.each(DIALECTS)("schema on %s", (dialect: Dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open(parseDatabaseUrl(await freshDatabaseUrl(dialect)) as { kind: Dialect } as never);
  });
  afterAll(() => db?.close());

  it("the migrations create exactly the tables, columns, keys and indexes the entities map", async () => {
    const migrated = await databaseShape(db);
    const mapped = entityShape(db);
    expect(Object.keys(migrated).sort()).toEqual(Object.keys(mapped).sort());
    for (const table of Object.keys(mapped)) expect(migrated[table], table).toEqual(mapped[table]);
  });

  it(`matches the committed schema/${dialect}.sql`, async () => {
    const dump = await schemaDump(db);
    const file = join(__dirname, "../../schema", `${dialect}.sql`);
    if (WRITE) writeFileSync(file, dump);
    expect(dump, `schema/${dialect}.sql is stale: run \`npm run schema:dump\` and commit it`).toBe(
      readFileSync(file, "utf8"),
    );
  });
});
