/**
 * Checkout and claim are one statement each (Postgres; SQLite's checkout is the job's UPDATE and the flow's, in one
 * transaction), and hand every job out exactly once with 16 workers over 2 gateway processes on one Postgres.
 * Throughput is measured by scripts/bulk-work.ts, not asserted here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Client } from "pg";

import { type BuiltServer, startBuiltServer } from "../support/built-server";
import { DIALECTS, freshDatabaseUrl } from "../support/databases";
import { countStatements, startTestGateway, type TestGateway } from "../support/gateway";
import { CLAIM, createJobs, createType, INPUT, queueJobs } from "../integration/queue/queue-fixtures";

const ADD_FLOW = `mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid } }`;
const CHECKOUT = `mutation($holder: String) { checkoutJob(holder: $holder) { dbId uuid state lockHolder } }`;

describe.each(DIALECTS)("statements per checkout and claim on %s", (dialect) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
  });
  afterAll(() => gw.close());

  it("checks a job out in one statement (SQLite: the job's and the flow's UPDATE), leased as asked", async () => {
    const flow = {
      name: "two",
      jobs: [
        { uuid: "low", name: "low", priority: 1 },
        { uuid: "high", name: "high", priority: 5 },
      ],
    };
    const { addFlow } = await gw.ok<{ addFlow: { uuid: string } }>(ADD_FLOW, { flow });
    const { result, statements } = await countStatements(gw.services, () =>
      gw.ok<{ checkoutJob: { uuid: string; state: string; lockHolder: string } }>(CHECKOUT, { holder: "w1" }),
    );
    expect(result.checkoutJob).toMatchObject({ uuid: "high", state: "CHECKED_OUT", lockHolder: "w1" });
    expect(statements).toHaveLength(dialect === "postgres" ? 1 : 2);
    const state = await gw.ok<{ flow: { state: string } }>(`query($u: ID!) { flow(uuid: $u) { state } }`, {
      u: addFlow.uuid,
    });
    expect(state.flow.state).toBe("RUNNING");
    const none = await countStatements(gw.services, async () => {
      await gw.ok(CHECKOUT, { holder: "w1" });
      return gw.ok<{ checkoutJob: null | { uuid: string } }>(CHECKOUT, {});
    });
    expect(none.result.checkoutJob).toBeNull();
    expect(none.statements.length).toBeLessThanOrEqual(dialect === "postgres" ? 2 : 3);
  });

  it.runIf(dialect === "postgres")(
    "claims concurrent checkouts of one kind together: one job each, in priority order, each with its own lease",
    async () => {
      const jobs = Array.from({ length: 30 }, (_, i) => ({ uuid: `p${i}`, name: `p${i}`, priority: i }));
      await gw.ok(ADD_FLOW, { flow: { name: "many", jobs } });
      const { result, statements } = await countStatements(gw.services, () =>
        Promise.all(
          Array.from({ length: 34 }, (_, i) =>
            gw.ok<{ checkoutJob: null | { uuid: string; state: string; lockHolder: string | null } }>(
              CHECKOUT,
              i % 2 === 0 ? { holder: `w${i}` } : {},
            ),
          ),
        ),
      );
      const taken = result.map((answer) => answer.checkoutJob);
      // Every job once, the four callers too many got null, and each lease is its own caller's.
      const got = taken.filter((job) => job !== null);
      expect(got.map((job) => job.uuid).sort()).toEqual(jobs.map((job) => job.uuid).sort());
      expect(taken.filter((job) => job === null)).toHaveLength(4);
      taken.forEach((job, i) => {
        if (job) expect(job).toMatchObject({ state: "CHECKED_OUT", lockHolder: i % 2 === 0 ? `w${i}` : null });
      });
      // The leased kind and the lease-free kind each went in a few statements, not one per caller.
      const claims = statements.filter((sql) => sql.includes("FOR UPDATE SKIP LOCKED"));
      expect(claims.length).toBeLessThan(12);
      // Within each kind, callers in arrival order got jobs in priority order (highest first).
      for (const parity of [0, 1]) {
        const priorities = taken
          .filter((job, i) => job !== null && i % 2 === parity)
          .map((job) => Number(job?.uuid.slice(1)));
        expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
      }
    },
  );

  it("claims queue entries in one statement", async () => {
    const type = await createType(gw);
    const jobs = await createJobs(gw, [
      { jobTypeId: type, input: INPUT },
      { jobTypeId: type, input: INPUT },
    ]);
    await queueJobs(
      gw,
      jobs.map((jobId) => ({ jobId })),
    );
    const { result, statements } = await countStatements(gw.services, () =>
      gw.ok<{ claimQueueEntry: { jobId: number }[] }>(CLAIM, { limit: 2 }),
    );
    expect(result.claimQueueEntry.map((entry) => entry.jobId).sort()).toEqual([...jobs].sort());
    expect(statements).toHaveLength(1);
  });
});

describe("checkout with 16 workers over 2 gateway processes on one Postgres", () => {
  const JOBS = 400;
  const servers: BuiltServer[] = [];
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl("postgres");
    for (let i = 0; i < 2; i++) servers.push(await startBuiltServer({ DATABASE_URL: databaseUrl }));
  }, 120_000);
  afterAll(async () => {
    for (const server of servers) await server.kill();
  });

  async function gql<T>(server: BuiltServer, query: string, variables?: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  }

  it("hands every READY job out exactly once", async () => {
    const flow = { name: "many", jobs: Array.from({ length: JOBS }, (_, i) => ({ uuid: `j-${i}`, name: `job ${i}` })) };
    const { addFlow } = await gql<{ addFlow: { uuid: string } }>(servers[0] as BuiltServer, ADD_FLOW, { flow });
    const taken: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        const server = servers[worker % 2] as BuiltServer;
        for (;;) {
          const { checkoutJob } = await gql<{ checkoutJob: { uuid: string; lockHolder: string } | null }>(
            server,
            CHECKOUT,
            { holder: `worker-${worker}` },
          );
          if (!checkoutJob) return;
          expect(checkoutJob.lockHolder).toBe(`worker-${worker}`);
          taken.push(checkoutJob.uuid);
        }
      }),
    );
    expect(taken).toHaveLength(JOBS);
    expect(new Set(taken).size).toBe(JOBS);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const states = await client.query(`SELECT "state", COUNT(*)::int AS "n" FROM "jobs" GROUP BY "state"`);
      expect(states.rows).toEqual([{ state: "CHECKED_OUT", n: JOBS }]);
      const flows = await client.query(`SELECT "state" FROM "flows" WHERE "uuid" = $1`, [addFlow.uuid]);
      expect(flows.rows).toEqual([{ state: "RUNNING" }]);
    } finally {
      await client.end();
    }
  }, 120_000);
});
