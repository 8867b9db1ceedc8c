import { Client } from "pg";
import { describe, expect, it } from "vitest";

import { createPostgresDatabase } from "./support/databases";

describe("test harness", () => {
  it("starts a real Postgres", async () => {
    const url = await createPostgresDatabase();
    const client = new Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ v: string }>("select version() as v");
    await client.end();
    expect(rows[0]?.v).toMatch(/PostgreSQL/);
  });
});
