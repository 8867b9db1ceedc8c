/**
 * GraphQL over HTTP as plain HTTP clients speak it, against a live hubql: both response media types, GET for
 * queries only, CSRF prevention on. graphql-http's full conformance audit runs in graphql-http-audit.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { App } from "../../src/server/app";
import { startTestHttp } from "../support/gateway";

const GRAPHQL_RESPONSE = "application/graphql-response+json";

describe("GraphQL over HTTP", () => {
  let app: App;
  let endpoint: string;

  beforeAll(async () => {
    app = await startTestHttp("sqlite");
    endpoint = `${app.url}/graphql`;
  });
  afterAll(() => app?.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("answers application/graphql-response+json when the client accepts it", async () => {
    const response = await post(
      { query: "{ countTaskRecords }" },
      { accept: `${GRAPHQL_RESPONSE}, application/json;q=0.9` },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain(GRAPHQL_RESPONSE);
    expect(await response.json()).toEqual({ data: { countTaskRecords: 0 } });
  });

  it("answers application/json to clients that ask for it (or for anything)", async () => {
    for (const accept of ["application/json", "*/*"]) {
      const response = await post({ query: "{ countTaskRecords }" }, { accept });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/json");
    }
  });

  it("uses 4xx statuses for requests that cannot execute under application/graphql-response+json", async () => {
    const invalid = await post({ query: "{ nosuchfield }" }, { accept: GRAPHQL_RESPONSE });
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]?.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const unparsable = await post({ query: "{" }, { accept: GRAPHQL_RESPONSE });
    expect(unparsable.status).toBe(400);
  });

  it("refuses media types it cannot produce", async () => {
    const response = await post({ query: "{ countTaskRecords }" }, { accept: "application/xml" });
    expect(response.status).toBe(406);
  });

  it("runs queries over GET and refuses mutations over GET (405, Allow: POST)", async () => {
    const headers = { accept: GRAPHQL_RESPONSE, "apollo-require-preflight": "true" };
    const query = await fetch(`${endpoint}?query=${encodeURIComponent("{ countTaskRecords }")}`, { headers });
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { countTaskRecords: 0 } });
    const withVariables = new URLSearchParams({
      query: "query Count($f: Filter) { countTaskRecords(filter: $f) }",
      variables: JSON.stringify({ f: { completed: null } }),
      operationName: "Count",
    });
    const counted = await fetch(`${endpoint}?${withVariables}`, { headers });
    expect(await counted.json()).toEqual({ data: { countTaskRecords: 0 } });
    const mutation = `mutation { addTaskRecords(records: [{ msgId: "via-get" }]) { msgId } }`;
    const refused = await fetch(`${endpoint}?query=${encodeURIComponent(mutation)}`, { headers });
    expect(refused.status).toBe(405);
    expect(refused.headers.get("allow")).toBe("POST");
    const count = await post({ query: "{ countTaskRecords }" });
    expect(await count.json()).toEqual({ data: { countTaskRecords: 0 } });
  });

  it("blocks requests a browser could send cross-site without a preflight (CSRF prevention)", async () => {
    // A plain GET (what an <img> or link triggers) and a text/plain POST (what a cross-site <form> sends).
    const get = await fetch(`${endpoint}?query=${encodeURIComponent("{ countTaskRecords }")}`, {
      headers: { accept: "application/json" },
    });
    expect(get.status).toBe(400);
    expect(await get.text()).toContain("Cross-Site Request Forgery");
    const form = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: `mutation { addTaskRecords(records: [{ msgId: "csrf" }]) { msgId } }` }),
    });
    expect(form.status).toBe(400);
    const count = await post({ query: "{ countTaskRecords }" });
    expect(await count.json()).toEqual({ data: { countTaskRecords: 0 } });
  });
});
