/**
 * `npm run import -- ipython <tasks.db> [--table <name>]` (or `node dist/src/cli/import-ipython.js …`): loads an
 * ipyparallel SQLiteDB task database (ipython-hub.md §14) into the store DATABASE_URL names, opened as the server
 * opens it (migrations included). Progress on stderr for files of more than one batch; a summary on stdout.
 */
import "reflect-metadata";

import { loadConfig } from "../config";
import { redact } from "../db/database-url";
import { openStore } from "../db/open-store";
import { createLogger } from "../logger";
import { ServiceContext } from "../services";
import {
  IMPORT_BATCH_SIZE,
  IPYTHON_DEFAULT_TABLE,
  importIpythonTasks,
  type ImportSummary,
} from "../services/tasks/ipython-import";
import { TasksService } from "../services/tasks/tasks.service";

export const USAGE = `usage: import-ipython [ipython] <tasks.db> [--table <name>]
  Loads an ipyparallel SQLite task database into the store named by DATABASE_URL.
  --table  the task table (default '${IPYTHON_DEFAULT_TABLE}')
  Records whose msg_id is already in the store are skipped, so running it again is safe.`;

export interface ImportArgs {
  readonly file: string;
  readonly table: string;
}

/** `[ipython] <file> [--table name]`; the leading word lets `npm run import -- ipython <file>` read naturally. */
export function parseImportArgs(argv: readonly string[]): ImportArgs {
  const args = [...argv];
  if (args[0] === "ipython") args.shift();
  let table = IPYTHON_DEFAULT_TABLE;
  const files: string[] = [];
  while (args.length > 0) {
    const arg = args.shift() as string;
    if (arg === "--table") {
      const name = args.shift();
      if (!name) throw new Error("--table needs a table name");
      table = name;
    } else if (arg.startsWith("--table=")) {
      table = arg.slice("--table=".length);
    } else if (arg.startsWith("-")) {
      throw new Error(`unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  if (files.length !== 1) throw new Error(files.length === 0 ? "name the task database file" : "name one file");
  return { file: files[0] as string, table };
}

export function formatSummary(file: string, summary: ImportSummary): string {
  const ignored = summary.ignoredColumns.length > 0 ? `; ignored columns: ${summary.ignoredColumns.join(", ")}` : "";
  return (
    `${file} (table '${summary.table}'): read ${summary.read}, added ${summary.added}, ` +
    `skipped ${summary.skipped} already in the store, in ${summary.seconds.toFixed(1)} s${ignored}`
  );
}

async function main(argv: readonly string[]): Promise<number> {
  let args: ImportArgs;
  try {
    args = parseImportArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const db = await openStore(config);
  if (!db) {
    process.stderr.write("DATABASE_URL is 'none' (NoDB): it keeps nothing, so there is nowhere to import to.\n");
    return 2;
  }
  const logger = createLogger(config.logLevel);
  try {
    const tasks = new TasksService(new ServiceContext(db, config, logger));
    process.stderr.write(`importing ${args.file} into ${redact(config.databaseUrl)}\n`);
    const summary = await importIpythonTasks(tasks, args.file, { table: args.table, onProgress: progress() });
    process.stdout.write(`${formatSummary(args.file, summary)}\n`);
    return 0;
  } catch (error) {
    // End a rewritten progress line first.
    process.stderr.write(`${process.stderr.isTTY ? "\n" : ""}import failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

/** A line per 10 % (a rewritten line on a terminal); silent for files of one batch. */
function progress(): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    if (total <= IMPORT_BATCH_SIZE) return;
    const percent = Math.floor((100 * done) / total);
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${done}/${total} rows (${percent} %)${done >= total ? "\n" : ""}`);
    } else if (Math.floor(percent / 10) > shown) {
      shown = Math.floor(percent / 10);
      process.stderr.write(`${done}/${total} rows (${percent} %)\n`);
    }
  };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`import failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
