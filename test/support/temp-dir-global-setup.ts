/**
 * Vitest global setup: one temporary folder for the whole run, removed when it ends. Tests make their SQLite stores,
 * token files, Python work folders and servers' files under `os.tmpdir()` and leave them there; through TMPDIR, which
 * test workers and the processes they start inherit (Python's `tempfile` reads it too), all of that lands here. Before,
 * every run left its folders in /tmp: a full run as root, 177 of them, and 1,063 (1.9 GB) after a day's runs.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The temporary folder outside the run's: what must outlast it (python-env.ts's last-resort cache) goes there. */
export const OUTER_TMPDIR = "HUBQL_TEST_OUTER_TMPDIR";

export default function setup(): () => void {
  // Vitest runs a global setup for the root and again for each project: the first one made the run's folder.
  if (process.env[OUTER_TMPDIR]) return () => undefined;
  const previous = process.env["TMPDIR"];
  process.env[OUTER_TMPDIR] = tmpdir();
  const run = mkdtempSync(join(tmpdir(), "hubql-test-run-"));
  // As /tmp is: tests hand folders to other users (an ordinary user's checkout, root's Postgres as `postgres`).
  chmodSync(run, 0o1777);
  process.env["TMPDIR"] = run;
  return () => {
    delete process.env[OUTER_TMPDIR];
    if (previous === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previous;
    rmSync(run, { recursive: true, force: true });
  };
}
