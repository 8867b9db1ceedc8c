/**
 * The floor under the SQLite list's p50 (scripts/bench/read-rows.ts, `floorRow`): what a server of hubql's shape pays
 * before any GraphQL, on this machine. Plain node:http reads the request's body, hands the list's captured statement
 * to a worker thread that runs it as hubql's readers do (better-sqlite3, the rows' JSON text built by SQLite,
 * src/db/sqlite-json-rows.ts), and answers that text inside `{"data":…}`. No parsing of the query, no
 * validation, no resolvers, no decoding.
 *
 *   FLOOR_FILE=/path/store.db FLOOR_SQL='SELECT …' FLOOR_VALUES='[…]' node dist/scripts/bench/floor-server.js
 *
 * Logs `{"graphql":"http://…"}` when it listens, as hubql does (servers.ts `startNode`).
 */
import { createServer } from "node:http";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

import Database from "better-sqlite3";

import { jsonRowsSql } from "../../src/db/sqlite-json-rows";
import { SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation } from "../../src/dialect/sqlite-regexp";

interface Statement {
  readonly file: string;
  readonly sql: string;
}

if (isMainThread) {
  const statement: Statement = { file: env("FLOOR_FILE"), sql: env("FLOOR_SQL") };
  const values = JSON.parse(env("FLOOR_VALUES")) as unknown[];
  const reader = new Worker(__filename, { workerData: statement });
  const waiting: ((json: string) => void)[] = [];
  reader.on("message", (json: string) => waiting.shift()?.(json));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      waiting.push((json) => {
        res.setHeader("content-type", "application/json; charset=utf-8");
        res.end(`{"data":{"rows":${json}}}\n`);
      });
      reader.postMessage(values);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ graphql: `http://127.0.0.1:${port}/graphql` })}\n`);
  });
} else {
  const { file, sql } = workerData as Statement;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation);
  const columns = db
    .prepare(sql)
    .columns()
    .map((column) => column.name);
  const text = jsonRowsSql(sql, columns);
  if (text === null) throw new Error("the statement's result columns share a name");
  const rows = db.prepare(text).pluck(true);
  parentPort?.on("message", (values: unknown[]) => parentPort?.postMessage(rows.get(...values) as string));
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}
