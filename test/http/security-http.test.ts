import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "../../src/logger";
import { type App, startApp } from "../../src/server/app";
import { createErrorFormatter } from "../../src/server/format-error";
import { DIALECTS, freshDatabaseUrl } from "../support/databases";
import { testConfig } from "../support/gateway";

/** Limits, masking and /metrics over real HTTP, on both dialects, with authentication on. */
const AUTH = { tokens: "reader:r-tok,operator:o-tok", tokensFile: null, allowUnauthenticatedNetwork: false };
const ADD = `mutation Add($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`;

describe.each(DIALECTS)("security over HTTP on %s", (dialect) => {
  let app: App;
  const log: string[] = [];

  async function post(body: unknown, token = "o-tok", headers: Record<string, string> = {}) {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const json = (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    };
    return { status: response.status, ...json, codes: (json.errors ?? []).map((e) => e.extensions?.["code"]) };
  }

  beforeAll(async () => {
    const config = {
      ...testConfig(await freshDatabaseUrl(dialect), {
        maxBodyBytes: 64 * 1024,
        maxBatchSize: 50,
        maxQueryTokens: 1000,
        maxQueryCost: 20_000,
      }),
      auth: AUTH,
    };
    app = await startApp(
      config,
      createLogger("warn", (line) => log.push(line)),
    );
  });
  afterAll(() => app?.close());

  it("answers LIMIT_EXCEEDED for depth, cost, page size, batch size, filter size, tokens and body size, doing nothing", async () => {
    const deep = `{ taskRecords { edges { node { msgId } } } }`;
    expect((await post({ query: deep })).codes).toEqual([]);
    const tooDeep = `{ __schema { types { fields { type { ${"ofType { ".repeat(12)} name ${"} ".repeat(12)} } } } } }`;
    expect((await post({ query: tooDeep })).errors?.[0]?.extensions).toMatchObject({
      code: "LIMIT_EXCEEDED",
      limit: "depth",
    });
    const costly = `{ taskRecords(first: 1000) { edges { node { msgId header metadata content submitted started completed queue label stdout stderr error resultHeader resultContent resultMetadata clientUuid engineUuid received resubmitted } } } }`;
    expect((await post({ query: costly })).errors?.[0]?.extensions).toMatchObject({
      code: "LIMIT_EXCEEDED",
      limit: "cost",
    });
    expect(
      (await post({ query: `{ taskRecords(first: 100000) { totalCount } }` })).errors?.[0]?.extensions,
    ).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "pageSize" });
    const records = Array.from({ length: 51 }, (_, i) => ({ msgId: `batch-${i}` }));
    expect((await post({ query: ADD, variables: { records } })).errors?.[0]?.extensions).toMatchObject({
      code: "LIMIT_EXCEEDED",
      limit: "batchSize",
    });
    const manyTokens = `{ ${Array.from({ length: 2000 }, () => "__typename").join(" ")} }`;
    const tokens = await post({ query: manyTokens });
    expect(tokens.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "tokens" });
    const huge = await post({ query: ADD, variables: { records: [{ msgId: "x", stdout: "y".repeat(100 * 1024) }] } });
    expect(huge.status).toBe(413);
    expect(huge.codes).toEqual(["LIMIT_EXCEEDED"]);
    let deepFilter: Record<string, unknown> = { msgId: "x" };
    for (let i = 0; i < 20; i++) deepFilter = { $and: [deepFilter] };
    const filtered = await post(
      { query: `query($f: Filter) { countTaskRecords(filter: $f) }`, variables: { f: deepFilter } },
      "r-tok",
    );
    expect(filtered.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "maxDepth" });
    const wide = { $or: Array.from({ length: 600 }, (_, i) => ({ msgId: `m${i}` })) };
    const widened = await post(
      { query: `query($f: Filter) { countTaskRecords(filter: $f) }`, variables: { f: wide } },
      "r-tok",
    );
    expect(widened.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "maxNodes" });
    const count = await post({ query: `{ countTaskRecords }` }, "r-tok");
    expect(count.data).toEqual({ countTaskRecords: 0 });
  });

  it("masks unexpected errors with a correlation id that the server log also has", async () => {
    await post({ query: ADD, variables: { records: [{ msgId: "m1" }] } });
    // Break the store under the running server: the next read fails inside the driver.
    await app.services.context.db?.run(
      dialect === "postgres"
        ? `ALTER TABLE task_records RENAME TO task_records_gone`
        : `ALTER TABLE task_records RENAME TO task_records_gone`,
    );
    try {
      const result = await post({ query: `{ countTaskRecords }` }, "r-tok");
      expect(result.codes).toEqual(["INTERNAL_SERVER_ERROR"]);
      const correlationId = result.errors?.[0]?.extensions?.["correlationId"] as string;
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.errors?.[0]?.message).not.toMatch(/task_records|SQL|select/i);
      const line = log.find((entry) => entry.includes(correlationId));
      expect(line).toMatch(/task_records/);
    } finally {
      await app.services.context.db?.run(`ALTER TABLE task_records_gone RENAME TO task_records`);
    }
  });

  it("counts every answered operation exactly: repeats, aliases, and requests with no operation", async () => {
    const scrape = async () =>
      (await fetch(`${app.url}/metrics`, { headers: { authorization: "Bearer r-tok" } })).text();
    const sample = (text: string, series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return Number(line?.slice(series.length + 1) ?? 0);
    };
    const series = [
      'hubql_graphql_operations_total{type="query",name="Twice"}',
      'hubql_graphql_operation_duration_seconds_count{type="query",name="Twice"}',
      'hubql_graphql_root_fields_total{type="query",field="countTaskRecords"}',
      'hubql_graphql_operations_total{type="unknown",name="anonymous"}',
    ];
    const before = await scrape();
    for (let i = 0; i < 3; i++)
      await post({ query: `query Twice { a: countTaskRecords b: countTaskRecords }` }, "r-tok");
    await post({ query: `query Twice {` }, "r-tok"); // a syntax error: Apollo resolves no operation
    const after = await scrape();
    expect(series.map((name) => sample(after, name) - sample(before, name))).toEqual([3, 3, 6, 1]);
  });

  it("serves Prometheus metrics to token holders: operations, latency, error codes, statements, pool", async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    await post({ query: `query CountThem { countTaskRecords }` }, "r-tok");
    await post({ query: `mutation Purge { purgeTaskRecords(all: true) { count } }` }, "o-tok");
    const response = await fetch(`${app.url}/metrics`, { headers: { authorization: "Bearer r-tok" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^hubql_graphql_operations_total\{type="query",name="CountThem"\} [1-9]/m);
    expect(text).toMatch(
      /^hubql_graphql_operation_duration_seconds_bucket\{type="query",name="CountThem",le="\+Inf"\} [1-9]/m,
    );
    expect(text).toMatch(/^hubql_graphql_root_fields_total\{type="query",field="countTaskRecords"\} [1-9]/m);
    expect(text).toMatch(/^hubql_graphql_errors_total\{code="LIMIT_EXCEEDED"\} [1-9]/m);
    expect(text).toMatch(/^hubql_graphql_errors_total\{code="FORBIDDEN"\} 1$/m);
    expect(text).toMatch(/^hubql_db_statement_duration_seconds_count\{statement="select"\} [1-9]/m);
    expect(text).toMatch(/^hubql_http_requests_total\{route="\/metrics",status="401"\} 1$/m);
    if (dialect === "postgres") expect(text).toMatch(/^hubql_db_pool_connections\{state="total"\} [1-9]/m);
    for (const state of ["active", "waiting", "retiring"])
      expect(text).toMatch(new RegExp(`^hubql_db_execution\\{state="${state}"\\} \\d+$`, "m"));
    // Every sample line is "name{labels} number" (the exposition format Prometheus parses).
    for (const line of text
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("#")))
      expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/);
  });
});

describe("Postgres statement_timeout", () => {
  it("cancels a long statement, and the error reaches the client as LIMIT_EXCEEDED", async () => {
    const app = await startApp(
      { ...testConfig(await freshDatabaseUrl("postgres"), { statementTimeoutMs: 100 }) },
      createLogger("silent"),
    );
    try {
      const started = performance.now();
      const error = await app.services.context.db?.query("SELECT pg_sleep(5)").then(
        () => null,
        (e: unknown) => e,
      );
      expect(performance.now() - started).toBeLessThan(2000);
      const formatted = createErrorFormatter(createLogger("silent"))({ message: String(error) }, error);
      expect(formatted.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "statementTimeout" });
    } finally {
      await app.close();
    }
  });
});
