/**
 * Issue 12, class 3: roles (and costs) are judged on the values execution uses — variable defaults, argument
 * defaults, fragments — not on the raw request, so an operator cannot force reruns or break others' leases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../support/databases";
import { addFlow, type Answer, expectRefused, type HostileServer, startHostileServer } from "./harness";

describe.each(DIALECTS)("authorization on executed values on %s", (dialect) => {
  let server: HostileServer;
  let flow: { uuid: string; dbIds: string[] };
  let before: string;

  beforeAll(async () => {
    server = await startHostileServer(dialect);
    flow = await addFlow(server, "escalate", 3, (i) => (i > 0 ? [i - 1] : []));
    before = await server.snapshot();
  }, 60_000);
  afterAll(() => server?.close());

  const FORCING = [
    // Issue 12's own: the default of a variable.
    `mutation($f: Boolean! = true) { rerunJobs(all: true, force: $f, dryRun: true) { __typename } }`,
    `mutation($f: Boolean = true) { retryJobs(all: true, breakLock: $f, dryRun: true) { __typename } }`,
    `mutation($b: Boolean = true, $db: String) { lockJob(dbId: $db, holder: "op", breakLock: $b) { expiresAt } }`,
    // Through a fragment, and through an inline fragment.
    `mutation($f: Boolean! = true) { ...F } fragment F on Mutation { rerunJobs(all: true, force: $f, dryRun: true) { __typename } }`,
    `mutation($f: Boolean = true) { ... on Mutation { pauseJobs(all: true, breakLock: $f, dryRun: true) { __typename } } }`,
    // A literal, an alias, and a variable sent explicitly.
    `mutation { x: stopJobs(all: true, breakLock: true, dryRun: true) { __typename } }`,
    `mutation($f: Boolean!) { rerunJobs(all: true, force: $f, dryRun: true) { __typename } }`,
  ];

  it("needs admin for forcing and lock-breaking however the value arrives", async () => {
    for (const query of FORCING) {
      const answer = await server.post(query, { db: flow.dbIds[0], f: true }, "operator");
      const error = expectRefused(answer, "FORBIDDEN", undefined, query);
      expect(error.extensions?.["requiredRole"]).toBe("admin");
      expect(answer.status).toBe(403);
    }
    expect(await server.snapshot()).toBe(before);
  });

  it("lets an operator through where the executed value does not escalate, and an admin always", async () => {
    // Past authorization, the operations may still be refused for the jobs' state: that is not the role's doing.
    const allowed = (answer: Answer, label: string) => {
      expect(answer.status, label).toBeLessThan(500);
      expect(answer.codes, label).not.toContain("FORBIDDEN");
      expect(answer.codes, label).not.toContain("INTERNAL_SERVER_ERROR");
    };
    const quiet = `mutation($f: Boolean! = false) { rerunJobs(all: true, force: $f, dryRun: true) { __typename } }`;
    allowed(await server.post(quiet, {}, "operator"), quiet);
    const overridden = `mutation($f: Boolean! = true) { rerunJobs(all: true, force: $f, dryRun: true) { __typename } }`;
    allowed(await server.post(overridden, { f: false }, "operator"), overridden);
    for (const query of FORCING.filter((q) => !q.includes("lockJob"))) {
      allowed(await server.post(query, { f: true }, "admin"), query);
    }
    expect(await server.snapshot()).toBe(before);
  });

  it("judges an operation that passed again for another role and for other variable values (verdicts are kept)", async () => {
    const forcing = `mutation($f: Boolean!) { rerunJobs(all: true, force: $f, dryRun: true) { __typename } }`;
    for (let round = 0; round < 2; round++) {
      expect((await server.post(forcing, { f: true }, "admin")).codes).not.toContain("FORBIDDEN");
      expect((await server.post(forcing, { f: false }, "operator")).codes).not.toContain("FORBIDDEN");
      expectRefused(await server.post(forcing, { f: true }, "operator"), "FORBIDDEN");
    }
    const page = `query($n: Int) { jobs(first: $n) { totalCount } }`;
    for (let round = 0; round < 2; round++) {
      expect((await server.post(page, { n: 5 }, "reader")).codes).toEqual([]);
      expectRefused(await server.post(page, { n: 1_000_000 }, "reader"), "LIMIT_EXCEEDED");
    }
    expect(await server.snapshot()).toBe(before);
  });

  it("refuses a caller whose role is too low before telling it anything about its variables", async () => {
    const answer = await server.post(
      `mutation($f: Boolean! = true, $x: Int!) { rerunJobs(all: true, force: $f, maxLimit: $x) { __typename } }`,
      {},
      "reader",
    );
    expectRefused(answer, "FORBIDDEN");
    expect(JSON.stringify(answer.body)).not.toMatch(/\$x|Int!/);
  });

  it("costs what execution will use: variable defaults and JSON-string filters", async () => {
    expectRefused(
      await server.post(`query($n: Int = 1000000) { jobs(first: $n) { totalCount } }`, {}, "reader"),
      "LIMIT_EXCEEDED",
      "pageSize",
    );
    const aliases = Array.from(
      { length: 101 },
      (_, i) => `a${i}: jobs(first: $n) { edges { node { dbId name state } } }`,
    );
    expectRefused(
      await server.post(`query($n: Int = 1000) { ${aliases.join(" ")} }`, {}, "reader"),
      "LIMIT_EXCEEDED",
      "cost",
    );
  });
});
