/**
 * Issue 12's acceptance: `/healthz` answers in under 100 ms while a heavy request that the budget admits runs. This
 * is the execution model's doing (ARCHITECTURE.md, "Execution model"): SQLite statements off the event loop, a
 * request's share of the connections, /healthz on a connection of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../support/databases";
import { addTaskRecords, expectHealthy, type HostileServer, startHostileServer } from "./harness";

/** Worst /healthz latency, polled every 10 ms while `work` runs. */
async function healthLatencyDuring(server: HostileServer, work: Promise<unknown>): Promise<number> {
  let done = false;
  let worst = 0;
  const finished = work.finally(() => {
    done = true;
  });
  while (!done) {
    const started = performance.now();
    await fetch(`${server.url}/healthz`);
    worst = Math.max(worst, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await finished;
  return worst;
}

describe.each(DIALECTS)("/healthz during heavy work on %s", (dialect) => {
  let server: HostileServer;

  beforeAll(async () => {
    server = await startHostileServer(dialect);
    await addTaskRecords(server, 4000, 2000);
  }, 180_000);
  afterAll(() => server?.close());

  it("answers in under 100 ms while the heaviest admitted pattern scan runs", async () => {
    const aliases = Array.from({ length: 45 }, (_, i) => `a${i}: countTaskRecords(filter: $f${i % 3})`).join(" ");
    const heavy = server.post(
      `query($f0: Filter, $f1: Filter, $f2: Filter) { ${aliases} }`,
      {
        f0: { stdout: { $regex: "(x+x+)+y" } },
        f1: { stdout: { $regex: "^(a|a)*!" } },
        f2: { stdout: { $regex: "[a-z]{3,200}q" } },
      },
      "reader",
    );
    const worst = await healthLatencyDuring(server, heavy);
    await expectHealthy(server);
    expect(worst).toBeLessThan(100);
  });
});
