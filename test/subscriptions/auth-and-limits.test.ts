/**
 * Who may subscribe and how much one client may hold, on a real server with tokens: connection_init credentials
 * (checked before any subscription), the reader role, the operation limits on a subscription's selection,
 * connections and subscriptions per connection, and a slow consumer. The store plays no part in these: SQLite only.
 */

import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

import { DEFAULT_LIMITS, DEFAULT_SUBSCRIPTIONS } from "../../src/config";
import type { App } from "../../src/server/app";
import { startTestHttp } from "../support/gateway";
import { closeOf, openClient, subscribe, waitFor, wsUrl } from "../support/subscriptions";

const TOKENS = "reader:read-token,operator:op-token";
const WATCH = `subscription { taskRecordChanged { kind msgId } }`;

describe("subscriptions with authentication on", () => {
  let app: App;
  const clients: Client[] = [];

  beforeAll(async () => {
    app = await startTestHttp("sqlite", {
      auth: { tokens: TOKENS, tokensFile: null, allowUnauthenticatedNetwork: false },
      limits: { ...DEFAULT_LIMITS, maxQueryDepth: 4 },
      subscriptions: { ...DEFAULT_SUBSCRIPTIONS, maxConnections: 4, maxPerConnection: 2, sendTimeoutMs: 500 },
    });
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await app?.close();
  });

  function client(payload?: Record<string, unknown>): Client {
    const opened = openClient(app.url, payload);
    clients.push(opened);
    return opened;
  }

  it("refuses an anonymous connection at connection_init, with a clear close reason", async () => {
    const closed = await closeOf(app.url, undefined);
    expect(closed).toMatchObject({ code: 4401, acknowledged: false });
    expect(closed.reason).toMatch(/connection_init must carry \{"authorization": "Bearer <token>"\}/);
  });

  it("refuses a token that matches none, and never starts the subscription", async () => {
    expect(await closeOf(app.url, { authorization: "Bearer wrong" })).toMatchObject({
      code: 4401,
      reason: "Unauthorized: the bearer token is not valid",
      acknowledged: false,
    });
    const anonymous = subscribe(client(), WATCH);
    await anonymous.ended();
    expect(String((anonymous.error as { code?: number })?.code ?? anonymous.error)).toMatch(/4401/);
    expect(app.services.changes.active).toBe(0);
  });

  it("accepts a reader token in connection_init, and the Apollo Router's {token} form", async () => {
    expect(await closeOf(app.url, { authorization: "Bearer read-token" })).toMatchObject({ acknowledged: true });
    expect(await closeOf(app.url, { Authorization: "Bearer op-token" })).toMatchObject({ acknowledged: true });
    expect(await closeOf(app.url, { token: "Bearer read-token" })).toMatchObject({ acknowledged: true });
    expect(await closeOf(app.url, { connectionParams: { token: "Bearer read-token" } })).toMatchObject({
      acknowledged: true,
    });
    const reader = subscribe(client({ authorization: "Bearer read-token" }), WATCH);
    await waitFor(() => app.services.changes.active === 1, 5000, "the subscription to start");
    await app.services.tasks.add([{ msgId: "seen-by-reader" }]);
    expect((await reader.next()).data).toEqual({ taskRecordChanged: { kind: "ADDED", msgId: "seen-by-reader" } });
    reader.unsubscribe();
    await waitFor(() => app.services.changes.active === 0);
  });

  it("applies the operation limits (depth) and the filter's validation to the subscription, before it starts", async () => {
    const reader = client({ authorization: "Bearer read-token" });
    const deep = subscribe(reader, `subscription { jobChanged { job { flow { jobs { flow { jobs { name } } } } } } }`);
    await deep.ended();
    expect(JSON.stringify(deep.error)).toMatch(/LIMIT_EXCEEDED/);
    const badFilter = subscribe(reader, `subscription($f: Filter) { jobChanged(filter: $f) { kind } }`, {
      f: { state: { $regex: "(" } },
    });
    await badFilter.ended();
    const failure = JSON.stringify([badFilter.error, badFilter.results]);
    expect(failure).toMatch(/BAD_USER_INPUT/);
    expect(app.services.changes.active).toBe(0);
    const query = subscribe(reader, `{ taskHistory }`);
    await query.ended();
    expect(JSON.stringify(query.error)).toMatch(/POST \/graphql/);
  });

  it("answers a subscription sent over HTTP with 400 BAD_REQUEST, pointing at WebSocket", async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer read-token" },
      body: JSON.stringify({ query: WATCH }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe("BAD_REQUEST");
    expect(body.errors[0]?.message).toMatch(/WebSocket/);
  });

  it("limits subscriptions per connection (HUBQL_SUBSCRIPTIONS_PER_CONNECTION)", async () => {
    const reader = client({ authorization: "Bearer read-token" });
    const first = subscribe(reader, WATCH);
    const second = subscribe(reader, WATCH);
    await waitFor(() => app.services.changes.active === 2, 5000, "two subscriptions");
    const third = subscribe(reader, WATCH);
    await third.ended();
    expect(JSON.stringify(third.error)).toMatch(/LIMIT_EXCEEDED.*|.*subscriptionsPerConnection/);
    expect(first.completed || second.completed).toBe(false);
    first.unsubscribe();
    second.unsubscribe();
    await waitFor(() => app.services.changes.active === 0);
  });

  it("limits connections (HUBQL_SUBSCRIPTION_MAX_CONNECTIONS): one more is refused with 503 at upgrade", async () => {
    const sockets = await Promise.all(
      Array.from({ length: 4 }, () => {
        const socket = new WebSocket(wsUrl(app.url), "graphql-transport-ws");
        return new Promise<WebSocket>((resolve, reject) => {
          socket.once("open", () => resolve(socket));
          socket.once("error", reject);
        });
      }),
    );
    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl(app.url), "graphql-transport-ws");
      socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      socket.once("open", () => resolve(101));
      socket.once("error", () => undefined);
    });
    expect(refused).toBe(503);
    for (const socket of sockets) socket.terminate();
    await waitFor(async () => {
      const text = await (
        await fetch(`${app.url}/metrics`, { headers: { authorization: "Bearer read-token" } })
      ).text();
      return /^hubql_subscription_connections 0$/m.test(text);
    });
  });

  it("disconnects a slow consumer (a client that stops reading) with 1008, holding a bounded buffer meanwhile", async () => {
    const socket = new WebSocket(wsUrl(app.url), "graphql-transport-ws");
    await new Promise((resolve) => socket.once("open", resolve));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: "Bearer read-token" } }));
    await new Promise((resolve) => socket.once("message", resolve));
    socket.send(
      JSON.stringify({
        id: "1",
        type: "subscribe",
        payload: { query: `subscription { taskRecordChanged { kind record { msgId stdout } } }` },
      }),
    );
    await waitFor(() => app.services.changes.active === 1, 5000, "the subscription to start");
    // The client stops reading; the server keeps sending ~200 KiB changes until the socket's buffers fill.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = "x".repeat(200_000);
    for (let batch = 0; batch < 20; batch++) {
      await app.services.tasks.add(Array.from({ length: 5 }, (_, i) => ({ msgId: `slow-${batch}-${i}`, stdout: big })));
    }
    await waitFor(
      async () => {
        const text = await (
          await fetch(`${app.url}/metrics`, { headers: { authorization: "Bearer read-token" } })
        ).text();
        return /hubql_subscription_refusals_total\{reason="slow_consumer"\} 1/.test(text);
      },
      15_000,
      "the slow consumer to be disconnected",
    );
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code } = await closed;
    // 1008 when the close frame gets through the backlog, 1006 when the server had to drop the connection.
    expect([1008, 1006]).toContain(code);
    await waitFor(() => app.services.changes.active === 0, 5000, "the subscription to end");
  });
});
