/**
 * `npm run import -- ipython <tasks.db> [--table <name> | --all-tables] [--overwrite]` (or
 * `node dist/src/cli/import-ipython.js …`): loads ipyparallel SQLiteDB task tables (ipython-hub.md §14) into the
 * store DATABASE_URL names, opened as the server opens it (migrations included), and converges when run again
 * (docs/hub-operations.md). Progress on stderr for tables of more than one batch; a summary on stdout.
 */
import "reflect-metadata";

import { loadConfig } from "../config";
import { redact } from "../db/database-url";
import { openStore } from "../db/open-store";
import { createLogger } from "../logger";
import { ServiceContext } from "../services";
import { IPYTHON_DEFAULT_TABLE, type ImportSummary, TaskImportService } from "../services/tasks/task-import.service";

export const USAGE = `usage: import-ipython [ipython] <tasks.db> [--table <name> | --all-tables] [--overwrite]
  Loads an ipyparallel SQLite task database into the store named by DATABASE_URL.
  --table       the task table (default '${IPYTHON_DEFAULT_TABLE}')
  --all-tables  every task table of the file ('${IPYTHON_DEFAULT_TABLE}', '${IPYTHON_DEFAULT_TABLE}_1', … one per controller start)
  --overwrite   also replace records that changed in hubql since they were imported
  Running it again is safe: records added, updated (e.g. completed since), unchanged or skipped are counted.`;

export interface ImportArgs {
  readonly file: string;
  readonly table: string;
  readonly allTables: boolean;
  readonly overwrite: boolean;
}

/** `[ipython] <file> [--table name | --all-tables] [--overwrite]`; `ipython` lets `npm run import -- ipython …` read naturally. */
export function parseImportArgs(argv: readonly string[]): ImportArgs {
  const args = [...argv];
  if (args[0] === "ipython") args.shift();
  let table: string | null = null;
  let allTables = false;
  let overwrite = false;
  const files: string[] = [];
  while (args.length > 0) {
    const arg = args.shift() as string;
    if (arg === "--table") {
      const name = args.shift();
      if (!name) throw new Error("--table needs a table name");
      table = name;
    } else if (arg.startsWith("--table=")) {
      table = arg.slice("--table=".length);
    } else if (arg === "--all-tables") {
      allTables = true;
    } else if (arg === "--overwrite") {
      overwrite = true;
    } else if (arg.startsWith("-")) {
      throw new Error(`unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  if (files.length !== 1) throw new Error(files.length === 0 ? "name the task database file" : "name one file");
  if (allTables && table !== null) throw new Error("give --table or --all-tables, not both");
  return { file: files[0] as string, table: table ?? IPYTHON_DEFAULT_TABLE, allTables, overwrite };
}

/** The summary: a line per table, the totals when there are several, and what was left out or kept. */
export function formatSummary(file: string, summary: ImportSummary): string {
  const counts = (c: ImportSummary | ImportSummary["tables"][number]) =>
    `read ${c.read}, added ${c.added}, updated ${c.updated}, unchanged ${c.unchanged}, skipped ${c.skipped}`;
  const lines = summary.tables.map((table) => {
    const ignored = table.ignoredColumns.length > 0 ? `; ignored columns: ${table.ignoredColumns.join(", ")}` : "";
    return `${file} (table '${table.table}'): ${counts(table)}${ignored}`;
  });
  if (summary.tables.length > 1) lines.push(`all ${summary.tables.length} tables: ${counts(summary)}`);
  lines[lines.length - 1] += ` in ${summary.seconds.toFixed(1)} s`;
  if (summary.skipped > 0) {
    const ids = summary.tables.flatMap((table) => table.skippedIds).slice(0, 10);
    lines.push(
      `skipped ${summary.skipped}: changed in hubql since imported, or not imported by this tool (e.g. ${ids.join(", ")}); --overwrite replaces them with the file's`,
    );
  }
  if (summary.otherTables.length > 0) {
    lines.push(
      `not imported: task table(s) ${summary.otherTables.map((t) => `'${t}'`).join(", ")} (--all-tables, or --table <name>)`,
    );
  }
  return lines.join("\n");
}

/** Rows below which a table's import needs no progress line. */
const SMALL_TABLE = 1000;

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
    const importer = new TaskImportService(new ServiceContext(db, config, logger));
    process.stderr.write(`importing ${args.file} into ${redact(config.databaseUrl)}\n`);
    const summary = await importer.importFile(args.file, {
      table: args.table,
      allTables: args.allTables,
      overwrite: args.overwrite,
      onProgress: progress(),
    });
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

/** A line per 10 % of each table (a rewritten line on a terminal); silent for small tables. */
function progress(): (done: number, total: number, table: string) => void {
  let shown = -1;
  let current = "";
  return (done, total, table) => {
    if (table !== current) [current, shown] = [table, -1];
    if (total <= SMALL_TABLE) return;
    const percent = Math.floor((100 * done) / total);
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${table}: ${done}/${total} rows (${percent} %)${done >= total ? "\n" : ""}`);
    } else if (Math.floor(percent / 10) > shown) {
      shown = Math.floor(percent / 10);
      process.stderr.write(`${table}: ${done}/${total} rows (${percent} %)\n`);
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
