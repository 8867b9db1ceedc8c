/**
 * Runs compiled filters on real databases: an in-memory SQLite (better-sqlite3, with the regexp function the db
 * layer registers) and a fresh Postgres database (the run's embedded server). Parameters are converted with
 * TypeORM's own `escapeQueryWithParameters`, so what runs here is what the db layer will run.
 */
import Database from "better-sqlite3";
import { Client } from "pg";
import { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver";
import { AbstractSqliteDriver } from "typeorm/driver/sqlite-abstract/AbstractSqliteDriver";

import { encodeInstant, type Instant, instantFromDate } from "../../src/dialect";
import {
  compileFilter,
  type CompileOptions,
  type Dialect,
  type FieldCatalogue,
  SQLITE_REGEXP_FUNCTION,
  sqliteRegexpImplementation,
} from "../../src/filter";
import { createPostgresDatabase } from "../support/databases";

/** The test entity: one column of every kind, three JSON columns. */
export const THINGS: FieldCatalogue = {
  entity: "Thing",
  fields: [
    { name: "id", aliases: [], column: "id", kind: "integer" },
    { name: "name", aliases: ["task_name"], column: "name", kind: "string" },
    { name: "score", aliases: ["score_value"], column: "score", kind: "number" },
    { name: "retries", aliases: [], column: "retries", kind: "integer" },
    { name: "isActive", aliases: ["is_active"], column: "is_active", kind: "boolean" },
    { name: "submittedAt", aliases: ["submitted_at"], column: "submitted_at", kind: "datetime" },
    {
      name: "state",
      aliases: [],
      column: "state",
      kind: "enum",
      enumValues: ["QUEUED", "RUNNING", "COMPLETED", "FAILED"],
    },
    { name: "doc", aliases: [], column: "doc", kind: "json" },
    { name: "tags", aliases: [], column: "tags", kind: "json" },
    { name: "results", aliases: ["result_list"], column: "results", kind: "json" },
  ],
};

/** A record as Mongo (and mingo) sees it: an absent key is SQL NULL. */
export interface Thing {
  readonly id: number;
  readonly name?: string;
  readonly score?: number;
  readonly retries?: number;
  readonly isActive?: boolean;
  readonly submittedAt?: Date;
  readonly state?: string;
  readonly doc?: unknown;
  readonly tags?: unknown;
  readonly results?: unknown;
}

const JSON_FIELDS = ["doc", "tags", "results"] as const;

const SQLITE_DDL = `CREATE TABLE things (
  id INTEGER PRIMARY KEY, name TEXT, score REAL, retries INTEGER, is_active BOOLEAN, submitted_at TEXT,
  state TEXT, doc TEXT, tags TEXT, results TEXT)`;

const POSTGRES_DDL = `CREATE TABLE things (
  id integer PRIMARY KEY, name text, score double precision, retries integer, is_active boolean,
  submitted_at timestamptz, state text, doc jsonb, tags jsonb, results jsonb)`;

function row(thing: Thing, dialect: Dialect): unknown[] {
  const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
  const flag = thing.isActive === undefined ? null : dialect === "sqlite" ? Number(thing.isActive) : thing.isActive;
  return [
    thing.id,
    thing.name ?? null,
    thing.score ?? null,
    thing.retries ?? null,
    flag,
    thing.submittedAt ? encodeInstant(instantFromDate(thing.submittedAt) as Instant, dialect) : null,
    thing.state ?? null,
    ...JSON_FIELDS.map((f) => json(thing[f])),
  ];
}

/** TypeORM's own parameter handling (SQLite inlines numbers and turns booleans into 0/1). */
export function toDriverQuery(dialect: Dialect, sql: string, params: Record<string, unknown>): [string, unknown[]] {
  if (dialect === "sqlite") {
    const fake = { createParameter: () => "?" };
    return AbstractSqliteDriver.prototype.escapeQueryWithParameters.call(fake, sql, params) as [string, unknown[]];
  }
  const fake = { parametersPrefix: "$", createParameter: (_: string, index: number) => `$${index + 1}` };
  return PostgresDriver.prototype.escapeQueryWithParameters.call(fake, sql, params) as [string, unknown[]];
}

export interface Store {
  readonly dialect: Dialect;
  /** Ids matching `filter`, ascending. */
  ids(filter: unknown, options?: Partial<CompileOptions>): Promise<number[]>;
  /** Runs raw SQL returning `id` rows (for compiled SQL checks). */
  raw(sql: string, params: Record<string, unknown>): Promise<number[]>;
  close(): Promise<void>;
}

function selectSql(where: string): string {
  return `SELECT t.id AS id FROM things t WHERE ${where} ORDER BY t.id`;
}

export function openSqlite(things: readonly Thing[]): Store {
  const db = new Database(":memory:");
  db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation);
  db.exec(SQLITE_DDL);
  const insert = db.prepare(`INSERT INTO things VALUES (${Array(10).fill("?").join(", ")})`);
  db.transaction(() => things.forEach((t) => insert.run(...row(t, "sqlite"))))();
  const raw = async (sql: string, params: Record<string, unknown>): Promise<number[]> => {
    const [query, values] = toDriverQuery("sqlite", selectSql(sql), params);
    return (db.prepare(query).all(...values) as { id: number }[]).map((r) => r.id);
  };
  return {
    dialect: "sqlite",
    raw,
    ids: async (filter, options = {}) => {
      const { sql, params } = compileFilter(filter, THINGS, { dialect: "sqlite", tableAlias: "t", ...options });
      return raw(sql, params);
    },
    close: async () => {
      db.close();
    },
  };
}

export async function openPostgres(things: readonly Thing[]): Promise<Store> {
  const client = new Client({ connectionString: await createPostgresDatabase("filter") });
  await client.connect();
  await client.query(POSTGRES_DDL);
  for (const thing of things) {
    const values = row(thing, "postgres");
    await client.query(`INSERT INTO things VALUES (${values.map((_, i) => `$${i + 1}`).join(", ")})`, values);
  }
  const raw = async (sql: string, params: Record<string, unknown>): Promise<number[]> => {
    const [query, values] = toDriverQuery("postgres", selectSql(sql), params);
    const result = await client.query<{ id: number }>(query, values);
    return result.rows.map((r) => r.id);
  };
  return {
    dialect: "postgres",
    raw,
    ids: async (filter, options = {}) => {
      const { sql, params } = compileFilter(filter, THINGS, { dialect: "postgres", tableAlias: "t", ...options });
      return raw(sql, params);
    },
    close: async () => {
      await client.end();
    },
  };
}

export async function openStore(dialect: Dialect, things: readonly Thing[]): Promise<Store> {
  return dialect === "sqlite" ? openSqlite(things) : openPostgres(things);
}
