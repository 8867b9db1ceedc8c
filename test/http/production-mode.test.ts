/**
 * Production as deployments run it: `NODE_ENV=production` (what `npm start` sets) must not hide the schema. The
 * playground, `graphql-codegen` against a running server and gateways that introspect a subgraph all need
 * introspection; HUBQL_INTROSPECTION and HUBQL_PLAYGROUND decide those two features, whatever NODE_ENV says.
 */
import { afterEach, describe, expect, it } from "vitest";

import { loadConfig } from "../../src/config";
import { type BuiltServer, startBuiltServer } from "../support/built-server";
import { temporarySqliteFile } from "../support/databases";

const INTROSPECT = JSON.stringify({ query: "{ __schema { queryType { name } mutationType { name } } }" });

async function introspect(server: BuiltServer): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: INTROSPECT,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function openInBrowser(server: BuiltServer): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(`${server.url}/graphql`, { headers: { accept: "text/html" } });
  return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
}

describe("NODE_ENV=production", () => {
  let server: BuiltServer | undefined;
  afterEach(async () => {
    await server?.kill();
    server = undefined;
  });

  it("answers introspection and serves the playground by default", async () => {
    server = await startBuiltServer({ NODE_ENV: "production", DATABASE_URL: `sqlite:${temporarySqliteFile()}` });
    const { status, body } = await introspect(server);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { __schema: { queryType: { name: "Query" }, mutationType: { name: "Mutation" } } } });
    const page = await openInBrowser(server);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toContain("hubql playground");
  });

  it("turns each off with HUBQL_INTROSPECTION=0 and HUBQL_PLAYGROUND=0", async () => {
    server = await startBuiltServer({
      NODE_ENV: "production",
      DATABASE_URL: `sqlite:${temporarySqliteFile()}`,
      HUBQL_INTROSPECTION: "0",
      HUBQL_PLAYGROUND: "0",
    });
    const { body } = await introspect(server);
    expect(body["data"]).toBeUndefined();
    expect((body["errors"] as { extensions: { code: string } }[])[0]?.extensions.code).toBe(
      "GRAPHQL_VALIDATION_FAILED",
    );
    const page = await openInBrowser(server);
    expect(page.text).not.toContain("hubql playground");
    // Queries still work.
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ countTaskRecords }" }),
    });
    expect(await response.json()).toEqual({ data: { countTaskRecords: 0 } });
  });
});

describe("HUBQL_INTROSPECTION / HUBQL_PLAYGROUND", () => {
  it("default on, take 1/0 (or true/false) and refuse anything else at start-up", () => {
    expect(loadConfig({})).toMatchObject({ introspection: true, playground: true });
    expect(loadConfig({ HUBQL_INTROSPECTION: "0", HUBQL_PLAYGROUND: "false" })).toMatchObject({
      introspection: false,
      playground: false,
    });
    expect(() => loadConfig({ HUBQL_INTROSPECTION: "no" })).toThrow(/HUBQL_INTROSPECTION must be 1 or 0/);
  });
});
