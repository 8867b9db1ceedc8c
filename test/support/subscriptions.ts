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

/** POSTs an operation to `<baseUrl>/graphql` and returns its data; any error fails (tests of errors look themselves). */
export async function postGraphql<T = Record<string, unknown>>(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 1000));
  return body.data as T;
}

/**
 * The subscriptions of a suite that talks to an in-process gateway: `start` returns once the gateway holds the
 * subscription (changes committed after that are delivered); `endAll` (in afterEach) ends them and waits until the
 * gateway has let go, so the next case counts from zero.
 */
export class LiveSubscriptions {
  private readonly open: Subscriber<never>[] = [];

  constructor(
    private readonly gateway: () => { services: { changes: { readonly active: number } } },
    private readonly client: () => Client,
  ) {}

  async start<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<Subscriber<T>> {
    const before = this.gateway().services.changes.active;
    const subscriber = subscribe<T>(this.client(), query, variables);
    this.open.push(subscriber as unknown as Subscriber<never>);
    await waitFor(() => this.gateway().services.changes.active > before, 5000, "the subscription to start");
    return subscriber;
  }

  async endAll(): Promise<void> {
    for (const subscriber of this.open.splice(0)) subscriber.unsubscribe();
    await waitFor(() => this.gateway().services.changes.active === 0, 5000, "the subscriptions to end");
  }
}
