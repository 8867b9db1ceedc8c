/**
 * Starts a throwaway Postgres (see embedded-postgres.ts), prints `{"url", "pid", "osUser"}` as one JSON line and
 * stops it, deleting its data, on SIGINT/SIGTERM. For developers who want a local server:
 *
 *   npm run build && node dist/scripts/start-postgres.js
 *   HUBQL_TEST_DATABASE_URL=<url> npm test        # the suites then use it instead of starting their own
 */
import { startEmbeddedPostgres } from "./embedded-postgres";

startEmbeddedPostgres().then(
  (pg) => {
    process.stdout.write(`${JSON.stringify({ url: pg.url, pid: pg.pid, osUser: pg.osUser })}\n`);
    const stop = () => void pg.stop().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
