/**
 * Real WebSocket clients for subscription tests: graphql-ws's own client over `ws` (what Node programs and the
 * Apollo Router speak), plus a raw socket for what a client library hides (close codes, a client that stops
 * reading). Nothing here is mocked: every test talks to a listening hubql.
 */
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

export interface Received<T = Record<string, unknown>> {
  readonly data?: T | null;
  readonly errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One subscription's results as they arrive, and whether (and how) it ended. */
export interface Subscriber<T = Record<string, unknown>> {
  readonly results: Received<T>[];
  readonly completed: boolean;
  readonly error: unknown;
  /** The next result not yet taken by `next`, waiting up to `timeoutMs`. */
  next(timeoutMs?: number): Promise<Received<T>>;
  /** Resolves once the subscription completes or errs. */
  ended(timeoutMs?: number): Promise<void>;
  /** Nothing arrives for `ms` (fails with what arrived otherwise). */
  quiet(ms: number): Promise<void>;
  unsubscribe(): void;
}

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, "ws")}/graphql`;
}

/** A graphql-ws client that does not retry (a refusal must show, not be papered over). */
export function openClient(httpUrl: string, payload?: Record<string, unknown>): Client {
  return createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: payload,
    retryAttempts: 0,
    lazy: true,
    onNonLazyError: () => undefined,
  });
}

export function subscribe<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): Subscriber<T> {
  const results: Received<T>[] = [];
  let taken = 0;
  let completed = false;
  let error: unknown;
  const wake = new Set<() => void>();
  const notify = () => {
    for (const resolve of wake) resolve();
  };
  const stop = client.subscribe<T>(
    { query, ...(variables ? { variables } : {}) },
    {
      next: (result) => {
        results.push(result as Received<T>);
        notify();
      },
      error: (failure) => {
        error = failure;
        completed = true;
        notify();
      },
      complete: () => {
        completed = true;
        notify();
      },
    },
  );
  const waitUntil = async (ready: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(results)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      wake.clear();
    }
  };
  return {
    results,
    get completed() {
      return completed;
    },
    get error() {
      return error;
    },
    async next(timeoutMs = 5000) {
      await waitUntil(() => results.length > taken || completed, timeoutMs, "a result");
      if (results.length > taken) return results[taken++] as Received<T>;
      throw new Error(`the subscription ended without a result: ${String(error ?? "complete")}`);
    },
    async ended(timeoutMs = 5000) {
      await waitUntil(() => completed, timeoutMs, "the end of the subscription");
    },
    async quiet(ms: number) {
      const before = results.length;
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (results.length !== before) throw new Error(`expected nothing, got ${JSON.stringify(results.slice(before))}`);
    },
    unsubscribe: stop,
  };
}

/** Polls `condition` every 10 ms until true (or fails after `timeoutMs`). */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** How a raw graphql-ws connection ended: its close code and reason. */
export async function closeOf(
  httpUrl: string,
  initPayload: unknown,
  timeoutMs = 5000,
): Promise<{ code: number; reason: string; acknowledged: boolean }> {
  const socket = new WebSocket(wsUrl(httpUrl), "graphql-transport-ws");
  let acknowledged = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the socket stayed open")), timeoutMs);
    socket.on("open", () =>
      socket.send(JSON.stringify({ type: "connection_init", ...(initPayload ? { payload: initPayload } : {}) })),
    );
    socket.on("message", (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === "connection_ack") {
        acknowledged = true;
        socket.close(1000, "done");
      }
    });
    socket.on("close", (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString(), acknowledged });
    });
    socket.on("error", () => undefined);
  });
}

/** Active subscriptions a gateway reports on /metrics (for processes the test cannot look into). */
export async function activeSubscriptions(httpUrl: string, token?: string): Promise<number> {
  const response = await fetch(`${httpUrl}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const match = /^hubql_subscriptions_active (\d+)$/m.exec(await response.text());
  return Number(match?.[1] ?? 0);
}
