/**
 * Admission by estimated cost (src/server/limits/admission.ts, HUBQL_CONCURRENT_COST): heavy operations execute
 * only while the cost in flight allows, in arrival order, each bounded by its request's deadline; light ones never
 * wait. First the rule itself, then through HTTP on Postgres, where a table lock holds a heavy request mid-flight.
 */
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DEFAULT_LIMITS } from "../../src/config";
import { RequestScope } from "../../src/db/request-scope";
import type { App } from "../../src/server/app";
import { Admission, LIGHT_COST } from "../../src/server/limits/admission";
import { startTestHttp } from "../support/gateway";

const HEAVY = LIGHT_COST + 1;

/** Settles `promise` into what happened, without waiting if it has not happened yet. */
async function state(promise: Promise<unknown>): Promise<"waiting" | "admitted" | "refused"> {
  const pending = Symbol("pending");
  const value = await Promise.race([
    promise.then(
      () => "admitted" as const,
      () => "refused" as const,
    ),
    new Promise((resolve) => setImmediate(() => resolve(pending))),
  ]);
  return value === pending ? "waiting" : (value as "admitted" | "refused");
}

describe("admission by cost", () => {
  it("runs heavy operations while they fit, then one by one in arrival order as others finish", async () => {
    const admission = new Admission(3 * HEAVY);
    const running = await Promise.all([1, 2, 3].map(() => admission.enter(HEAVY, undefined)));
    const fourth = admission.enter(HEAVY, undefined);
    const fifth = admission.enter(HEAVY, undefined);
    expect([await state(fourth), await state(fifth), admission.queued]).toEqual(["waiting", "waiting", 2]);
    running[1]!();
    running[1]!(); // a second release of the same operation frees nothing more
    expect([await state(fourth), await state(fifth), admission.queued]).toEqual(["admitted", "waiting", 1]);
    running[0]!();
    expect(await state(fifth)).toBe("admitted");
  });

  it("never holds up a light operation, however full", async () => {
    const admission = new Admission(HEAVY);
    await admission.enter(HEAVY, undefined);
    const queued = admission.enter(HEAVY, undefined);
    expect(await state(admission.enter(LIGHT_COST, undefined))).toBe("admitted");
    expect(await state(queued)).toBe("waiting");
  });

  it("runs an operation costlier than the whole capacity alone, once nothing else runs", async () => {
    const admission = new Admission(HEAVY);
    const small = await admission.enter(HEAVY, undefined);
    const huge = admission.enter(100 * HEAVY, undefined);
    expect(await state(huge)).toBe("waiting");
    small();
    const release = await huge;
    expect(await state(admission.enter(HEAVY, undefined))).toBe("waiting");
    release();
  });

  it("refuses a waiting operation at its request's deadline, and the queue moves on without it", async () => {
    const admission = new Admission(HEAVY);
    const first = await admission.enter(HEAVY, undefined);
    const scope = new RequestScope(0);
    const expiring = admission.enter(HEAVY, scope);
    const after = admission.enter(HEAVY, undefined);
    scope.expire();
    await expect(expiring).rejects.toMatchObject({
      extensions: { code: "LIMIT_EXCEEDED", limit: "requestTimeout" },
    });
    expect(admission.queued).toBe(1);
    first();
    expect(await state(after)).toBe("admitted");
  });
});

describe("admission through HTTP (postgres)", () => {
  let app: App & { databaseUrl: string };
  let locker: Client;

  beforeAll(async () => {
    // Room for one heavy operation at a time.
    app = await startTestHttp("postgres", { limits: { ...DEFAULT_LIMITS, concurrentCost: HEAVY } });
    await app.services.tasks.add(Array.from({ length: 30 }, (_, i) => ({ msgId: `a-${i}`, label: "admission" })));
    locker = new Client({ connectionString: app.databaseUrl });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await app?.close();
  });

  const post = async (query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };
  const queued = async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    return Number(/^hubql_operations_queued (\d+)$/m.exec(text)?.[1]);
  };
  // 500 records × 5 fields: above LIGHT_COST.
  const heavy = `{ taskRecords(first: 500) { edges { node { msgId label submitted completed engineUuid } } } }`;

  it("queues a second heavy request behind one that is executing, while light ones answer", async () => {
    await locker.query("BEGIN");
    await locker.query(`LOCK TABLE "task_records" IN ACCESS EXCLUSIVE MODE`);
    const first = post(heavy); // admitted, then blocked by the lock
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = post(heavy);
    await expect.poll(queued, { timeout: 5000 }).toBe(1);
    // Light, and not held up: a flow count and a single record lookup are not blocked by the heavy ones.
    expect(await post(`{ countFlows }`)).toEqual({ data: { countFlows: 0 } });
    expect(await queued()).toBe(1);
    await locker.query("COMMIT");
    const answers = await Promise.all([first, second]);
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect((answer.data?.["taskRecords"] as { edges: unknown[] }).edges).toHaveLength(30);
    }
    expect(await queued()).toBe(0);
  });

  it("frees an operation's share however it ends: a resolver error, then the next heavy one goes straight in", async () => {
    const failing = `query($f: Filter) { taskRecords(first: 500, filter: $f) { edges { node { msgId label submitted completed engineUuid } } } }`;
    const refused = await post(failing, { f: { msgId: { $bogus: 1 } } });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    const answer = await post(heavy);
    expect((answer.data?.["taskRecords"] as { edges: unknown[] }).edges).toHaveLength(30);
    expect(await queued()).toBe(0);
  });
});
