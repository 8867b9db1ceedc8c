/**
 * Real databases for tests: a fresh SQLite (`:memory:` or a temp file) or a fresh Postgres database on the
 * run's server (see postgres-global-setup.ts). `DIALECTS` lets a suite run the same cases on both.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Client } from "pg";

import type { Dialect } from "../../src/dialect";

export const DIALECTS: readonly Dialect[] = ["sqlite", "postgres"];

/** The run's Postgres server (HUBQL_TEST_DATABASE_URL, set by the global setup when not given). */
export function postgresServerUrl(): URL {
  const url = process.env["HUBQL_TEST_DATABASE_URL"];
  if (!url)
    throw new Error("HUBQL_TEST_DATABASE_URL is not set: run tests through vitest (global setup starts Postgres)");
  return new URL(url);
}

/** The URL of database `name` on the run's server (the maintenance database `postgres` unless the URL names one). */
export function postgresDatabaseUrl(name?: string, server: URL = postgresServerUrl()): string {
  const url = new URL(server);
  url.pathname = `/${name ?? (server.pathname.replace(/^\//, "") || "postgres")}`;
  return url.toString();
}

/** Creates an empty Postgres database and returns its URL. */
export async function createPostgresDatabase(prefix = "t"): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const client = new Client({ connectionString: postgresDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return postgresDatabaseUrl(name);
}

export function temporarySqliteFile(): string {
  return join(mkdtempSync(join(tmpdir(), "hubql-sqlite-")), "hubql.db");
}

/** A DATABASE_URL for a fresh, empty store of the given dialect. */
export async function freshDatabaseUrl(dialect: Dialect): Promise<string> {
  return dialect === "postgres" ? createPostgresDatabase() : `sqlite:${temporarySqliteFile()}`;
}
