/**
 * The FairGate hands out a store's connections: at most `share` to one request, round robin between requests,
 * first come first served within one, and a request past its deadline is refused (its waiters too).
 */
import { describe, expect, it } from "vitest";

import { FairGate, type Release } from "../../../src/db/fair-gate";
import { RequestScope } from "../../../src/db/request-scope";

/** Settles pending promise callbacks. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("FairGate", () => {
  it("lets one request hold at most its share; the rest of it waits", async () => {
    const gate = new FairGate(4, 2);
    const heavy = new RequestScope(0);
    const granted: Release[] = [];
    for (let i = 0; i < 5; i++) void gate.acquire(heavy).then((release) => granted.push(release));
    await tick();
    expect(granted).toHaveLength(2);
    expect(gate.stats()).toEqual({ active: 2, waiting: 3 });
    granted[0]?.();
    await tick();
    expect(granted).toHaveLength(3);
    expect(gate.stats()).toEqual({ active: 2, waiting: 2 });
  });

  it("serves the request that waited for its first connection before a request's tenth", async () => {
    const gate = new FairGate(2, 2);
    const heavy = new RequestScope(0);
    const cheap = new RequestScope(0);
    const order: string[] = [];
    const releases: Release[] = [];
    const take = (scope: RequestScope, name: string) =>
      void gate.acquire(scope).then((release) => {
        order.push(name);
        releases.push(release);
      });
    for (let i = 0; i < 10; i++) take(heavy, `heavy-${i}`);
    await tick();
    take(cheap, "cheap");
    await tick();
    expect(order).toEqual(["heavy-0", "heavy-1"]);
    releases[0]?.();
    await tick();
    // The freed connection goes to the request that has none, not to heavy's third statement.
    expect(order).toEqual(["heavy-0", "heavy-1", "cheap"]);
  });

  it("gives work outside a request no share limit, and a request no more than its share", async () => {
    const gate = new FairGate(3, 1);
    const released: Release[] = [];
    for (let i = 0; i < 3; i++) released.push(await gate.acquire(undefined));
    expect(gate.stats().active).toBe(3);
    for (const release of released) release();
    const scope = new RequestScope(0);
    const held = await gate.acquire(scope);
    const second = gate.acquire(scope);
    await tick();
    expect(gate.stats()).toEqual({ active: 1, waiting: 1 });
    held();
    held(); // a second call does nothing
    const next = await second;
    expect(gate.stats()).toEqual({ active: 1, waiting: 0 });
    next();
    expect(gate.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it("refuses a request past its deadline, and the statements it had waiting, with LIMIT_EXCEEDED", async () => {
    const gate = new FairGate(1, 1);
    const holder = await gate.acquire(undefined);
    const scope = new RequestScope(0);
    const waiting = gate.acquire(scope);
    scope.expire();
    await expect(waiting).rejects.toMatchObject({ extensions: { code: "LIMIT_EXCEEDED", limit: "requestTimeout" } });
    await expect(gate.acquire(scope)).rejects.toMatchObject({ extensions: { code: "LIMIT_EXCEEDED" } });
    expect(gate.stats()).toEqual({ active: 1, waiting: 0 });
    holder();
    expect(gate.stats().active).toBe(0);
  });

  it("expires a scope by its own timer", async () => {
    const scope = new RequestScope(20);
    expect(scope.expired).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(scope.expired).toBe(true);
    expect(() => scope.check()).toThrow(/HUBQL_REQUEST_TIMEOUT_MS/);
  });
});
