import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { App } from "../../src/server/app";
import { startTestHttp } from "../support/gateway";

/**
 * graphql-http's server audit suite (GraphQL over HTTP spec conformance) against hubql over real HTTP, with
 * authentication on: every request carries a reader token, as a real client's would. Every MUST passes; the
 * SHOULDs that do not are pinned here and explained in docs/security.md ("GraphQL over HTTP conformance").
 */
const KNOWN_SHOULD_FAILURES: Readonly<Record<string, string>> = {
  "572B SHOULD use 200 status code on document parsing failure when accepting application/json":
    "Apollo Server answers 400",
  "FDE2 SHOULD use 200 status code on document validation failure when accepting application/json":
    "Apollo Server answers 400",
  "7B9B SHOULD use a status code of 200 on variable coercion failure when accepting application/json":
    "Apollo Server answers 400",
  "5A70 MAY accept application/x-www-form-urlencoded formatted GET requests": "CSRF prevention",
  "6A70 MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json":
    "CSRF prevention",
  "D6D5 MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json":
    "CSRF prevention",
};

describe("graphql-http server audits", () => {
  let app: App;
  const withToken = (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", "Bearer audit-reader");
    return fetch(input, { ...init, headers });
  };

  beforeAll(async () => {
    app = await startTestHttp("sqlite", {
      auth: { tokens: "reader:audit-reader", tokensFile: null, allowUnauthenticatedNetwork: false },
    });
  });
  afterAll(() => app?.close());

  const audits = serverAudits({ url: () => `${app.url}/graphql`, fetchFn: withToken });

  it.each(audits.filter((audit) => audit.name.startsWith("MUST")).map((audit) => [audit.name, audit] as const))(
    "%s",
    async (_name, audit) => {
      const result = await audit.fn();
      expect(result.status === "ok" ? "ok" : `${result.status}: ${result.reason}`).toBe("ok");
    },
  );

  it("passes every SHOULD and MAY except the documented ones", async () => {
    const failures: Record<string, string> = {};
    for (const audit of audits.filter((a) => !a.name.startsWith("MUST"))) {
      const result = await audit.fn();
      if (result.status !== "ok") failures[`${audit.id} ${audit.name}`] = result.reason;
    }
    expect(Object.keys(failures).sort()).toEqual(Object.keys(KNOWN_SHOULD_FAILURES).sort());
  });
});
