/**
 * Idle keep-alive connections stay open for HUBQL_KEEP_ALIVE_TIMEOUT_MS (default 65 s, not Node's 5 s), so a client
 * that writes now and then — an IPython Hub between tasks, through HubqlDB — keeps its connection. Whole answers
 * carry their length, so a client reads each without chunk framing.
 */
import { request, Agent } from "node:http";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, loadConfig } from "../../src/config";
import type { App } from "../../src/server/app";
import { startTestHttp } from "../support/gateway";

/** POSTs `{ __typename }` through `agent`; says whether the request went over a connection used before. */
function ask(url: string, agent: Agent): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query: "{ __typename }" });
    const req = request(
      `${url}/graphql`,
      { method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("keep-alive", () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestHttp("sqlite");
  });
  afterAll(() => app?.close());

  it("is read from HUBQL_KEEP_ALIVE_TIMEOUT_MS, 65 s by default, at least 1 s", () => {
    expect(loadConfig({}).keepAliveTimeoutMs).toBe(DEFAULT_KEEP_ALIVE_TIMEOUT_MS);
    expect(DEFAULT_KEEP_ALIVE_TIMEOUT_MS).toBe(65_000);
    expect(loadConfig({ HUBQL_KEEP_ALIVE_TIMEOUT_MS: "90000" }).keepAliveTimeoutMs).toBe(90_000);
    expect(() => loadConfig({ HUBQL_KEEP_ALIVE_TIMEOUT_MS: "10" })).toThrow(/HUBQL_KEEP_ALIVE_TIMEOUT_MS/);
    expect(app.server.keepAliveTimeout).toBe(DEFAULT_KEEP_ALIVE_TIMEOUT_MS);
  });

  it("keeps an idle connection past Node's 5 s default", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await ask(app.url, agent)).toEqual({ status: 200, reused: false });
      // Node closes an idle connection a second after its keepAliveTimeout: 5 s by default, so 6 s.
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      expect(await ask(app.url, agent)).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  }, 20_000);

  it("sends every whole answer with its length, in one piece (no chunk framing)", async () => {
    const answers = await Promise.all([
      fetch(`${app.url}/healthz`),
      fetch(`${app.url}/metrics`),
      fetch(`${app.url}/nowhere`),
      fetch(`${app.url}/graphql`, { headers: { accept: "text/html" } }),
      fetch(`${app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 404, 200, 200]);
    for (const answer of answers) {
      const body = Buffer.from(await answer.arrayBuffer());
      expect(answer.headers.get("transfer-encoding"), answer.url).toBeNull();
      expect(Number(answer.headers.get("content-length")), answer.url).toBe(body.length);
    }
  });
});
