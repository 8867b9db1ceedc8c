import type { Config } from "../config";
import { Database } from "./database";
import { parseDatabaseUrl } from "./database-url";

/**
 * Opens the store `config.databaseUrl` names, as every entry point does (the server and the CLI): the SQLite file
 * or Postgres database with pending migrations applied, the configured statement timeout and connections; null
 * for `none` (IPython's NoDB).
 */
export async function openStore(config: Pick<Config, "databaseUrl" | "limits">): Promise<Database | null> {
  const location = parseDatabaseUrl(config.databaseUrl);
  if (location.kind === "none") return null;
  const { statementTimeoutMs, dbConnections, requestConnections } = config.limits;
  return Database.open(location, {
    statementTimeoutMs,
    ...(dbConnections !== null ? { connections: dbConnections } : {}),
    ...(requestConnections !== null ? { requestConnections } : {}),
  });
}
