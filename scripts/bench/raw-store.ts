/**
 * The references' side of the benchmark: the store through its bare driver (`pg` / better-sqlite3), no ORM and no
 * GraphQL. Statements are the exact text and values hubql ran (placeholders `$n` on Postgres, `?` on SQLite).
 */
import BetterSqlite3 from "better-sqlite3";
import { Pool } from "pg";

import { type Dialect, SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation } from "../../src/dialect";
import { fileSystemOf } from "./file-system";

export interface Statement {
  readonly sql: string;
  readonly values: readonly unknown[];
}

export interface RawStore {
  readonly dialect: Dialect;
  /** Runs one statement and returns its rows. */
  query(statement: Statement): Promise<unknown[]>;
  /** Runs statements in one transaction (BEGIN … COMMIT). */
  transaction(statements: readonly Statement[]): Promise<void>;
  close(): Promise<void>;
}

export function openRawStore(databaseUrl: string, connections = 8): RawStore {
  if (databaseUrl.startsWith("sqlite:")) return openRawSqlite(databaseUrl.slice("sqlite:".length));
  return openRawPostgres(databaseUrl, connections);
}

function openRawPostgres(url: string, connections: number): RawStore {
  const pool = new Pool({ connectionString: url, max: connections });
  // An idle connection still closing when the bench stops its embedded Postgres is told so; nothing is waiting on it.
  pool.on("error", () => undefined);
  return {
    dialect: "postgres",
    async query({ sql, values }) {
      return (await pool.query(sql, values as unknown[])).rows;
    },
    async transaction(statements) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        for (const { sql, values } of statements) await client.query(sql, values as unknown[]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function openRawSqlite(path: string): RawStore {
  const db = new BetterSqlite3(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 30000");
  db.pragma("foreign_keys = ON");
  db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation);
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const statement = (sql: string) => {
    let stmt = prepared.get(sql);
    if (!stmt) prepared.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
  const run = ({ sql, values }: Statement) => {
    const stmt = statement(sql);
    return stmt.reader ? stmt.all(...values) : (stmt.run(...values), []);
  };
  return {
    dialect: "sqlite",
    async query(one) {
      return run(one);
    },
    async transaction(statements) {
      db.transaction(() => statements.forEach(run))();
    },
    async close() {
      db.close();
    },
  };
}

/** The store's version as the machine line names it: `3.53.2` (SQLite), `Postgres 18.4`. */
export async function storeVersion(raw: RawStore): Promise<string> {
  const sql = raw.dialect === "postgres" ? "SHOW server_version" : "SELECT sqlite_version() AS v";
  const [row] = (await raw.query({ sql, values: [] })) as Record<string, string>[];
  const text = Object.values(row ?? {})[0] ?? "?";
  return raw.dialect === "postgres" ? `Postgres ${text.split(" ")[0]}` : text;
}

/** Where the store keeps its files (Postgres' data directory, the SQLite file): its file system, if on this machine. */
export async function storeFileSystem(raw: RawStore): Promise<string | null> {
  const sql =
    raw.dialect === "postgres" ? "SHOW data_directory" : "SELECT file FROM pragma_database_list WHERE name = 'main'";
  try {
    const [row] = (await raw.query({ sql, values: [] })) as Record<string, string>[];
    const path = Object.values(row ?? {})[0];
    return path ? fileSystemOf(path) : null;
  } catch {
    return null; // SHOW data_directory needs a superuser or pg_read_all_settings
  }
}
