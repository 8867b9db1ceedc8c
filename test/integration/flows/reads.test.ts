/** Lists, pages, relations without N+1, federation references and the `none` store. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { countStatements, startTestGateway } from "../../support/gateway";
import { errorOf, JobflowDriver } from "./support";

describe.each(DIALECTS)("flow and job reads on %s", (dialect) => {
  let jf: JobflowDriver;
  const flowUuids: string[] = [];
  beforeAll(async () => {
    jf = await JobflowDriver.start(dialect);
    // 100 flows × 10 jobs: a root and nine children of it.
    for (let i = 0; i < 100; i++) {
      const names = Array.from({ length: 10 }, (_, j) => `f${i}j${j}`);
      const flow = await jf.addFlow(
        `flow-${String(i).padStart(3, "0")}`,
        names.map((name, j) => ({ name, parents: j === 0 ? [] : [names[0] as string] })),
      );
      flowUuids.push(flow.uuid);
    }
  }, 120_000);
  afterAll(() => jf?.close());

  it("flows → jobs → parents/children/flow resolve in a constant number of statements (no N+1)", async () => {
    // Nested lists are costed at their worst case: `atMost` says how many each may hold (docs/security.md).
    const query = `{ flows(first: 100) { edges { node { uuid state jobUuids(atMost: 10) ids(atMost: 10) { dbId } jobs(atMost: 10) { dbId name flow { uuid } parents(atMost: 1) { dbId } children(atMost: 9) { dbId } } } } } }`;
    type Data = {
      flows: {
        edges: {
          node: {
            uuid: string;
            jobUuids: string[];
            jobs: { dbId: string; flow: { uuid: string }; parents: { dbId: string }[]; children: { dbId: string }[] }[];
          };
        }[];
      };
    };
    const { result, statements } = await countStatements(jf.gw.services, () => jf.gw.ok<Data>(query));
    const flows = result.flows.edges.map((edge) => edge.node);
    expect(flows).toHaveLength(100);
    const jobs = flows.flatMap((flow) => flow.jobs);
    expect(jobs).toHaveLength(1000);
    for (const flow of flows) {
      const [root, ...rest] = flow.jobs;
      expect(root?.children).toHaveLength(9);
      expect(root?.parents).toEqual([]);
      for (const job of rest) {
        expect(job.parents).toEqual([{ dbId: root?.dbId }]);
        expect(job.children).toEqual([]);
        expect(job.flow.uuid).toBe(flow.uuid);
      }
    }
    // One statement per list level: the flows; their jobs (jobs, jobUuids and ids share it); the jobs' parents and
    // children together. Each job's flow, asked only for its key, needs none (a foreign key guarantees it).
    expect(statements).toHaveLength(3);
  });

  it("reads a job's flow when more than its key is asked: one more statement, still not one per job", async () => {
    const query = `{ flows(first: 100) { edges { node { jobs(atMost: 10) { flow { name } } } } } }`;
    const { result, statements } = await countStatements(jf.gw.services, () =>
      jf.gw.ok<{ flows: { edges: { node: { jobs: { flow: { name: string } }[] } }[] } }>(query),
    );
    expect(result.flows.edges[5]?.node.jobs[3]?.flow.name).toBe("flow-005");
    expect(statements).toHaveLength(3);
  });

  it("answers parents and children asked only for their keys with key columns alone", async () => {
    const query = `{ flows(first: 100) { edges { node { jobs(atMost: 10) { parents(atMost: 1) { dbId } children(atMost: 9) { dbId } } } } } }`;
    const { statements } = await countStatements(jf.gw.services, () => jf.gw.ok(query));
    expect(statements).toHaveLength(3);
    const relatives = statements[2] ?? "";
    expect(relatives).toMatch(/UNION ALL/);
    // Besides the grouping columns (__relation, __key, __seq), each side reads the db id and nothing else.
    const read = [...relatives.matchAll(/ AS "(\w+)"/g)]
      .map((match) => match[1])
      .filter((name) => !name?.startsWith("__"));
    expect(read).toEqual(["dbId", "dbId"]);
  });

  it("answers relations fetched with their level of jobs as the per-job loader does, aliases included", async () => {
    type Rel = { dbId: string; name: string };
    type J = { dbId: string; parents: Rel[]; children: Rel[] };
    // Flow.jobs fetches the relations with its level; the jobs list resolves them through the batched loader.
    const nested = await jf.gw.ok<{
      flows: { edges: { node: { a: J[]; b: { dbId: string; parents: { name: string }[] }[] } }[] };
    }>(
      `{ flows(first: 100) { edges { node {
        a: jobs(atMost: 10) { dbId parents(atMost: 1) { dbId name } children(atMost: 9) { dbId name } }
        b: jobs(atMost: 10) { dbId parents(atMost: 1) { name } } } } } }`,
    );
    const listed = await jf.gw.ok<{ jobs: { edges: { node: J }[] } }>(
      `{ jobs(first: 1000) { edges { node { dbId parents(atMost: 1) { dbId name } children(atMost: 9) { dbId name } } } } }`,
    );
    const byId = new Map(listed.jobs.edges.map(({ node }) => [node.dbId, node]));
    const nestedJobs = nested.flows.edges.flatMap(({ node }) => node.a);
    expect(nestedJobs).toHaveLength(1000);
    for (const job of nestedJobs) expect(job).toEqual(byId.get(job.dbId));
    for (const job of nested.flows.edges.flatMap(({ node }) => node.b)) {
      expect(job.parents).toEqual(byId.get(job.dbId)?.parents.map(({ name }) => ({ name })));
    }
  });

  it("pages jobs in keyset order with cursors, DB_ID numerically", async () => {
    const page = (after?: string) =>
      jf.gw.ok<{
        jobs: {
          totalCount: number;
          edges: { cursor: string; node: { dbId: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      }>(
        `query($after: String) { jobs(query: { flowIds: ["${flowUuids[0]}", "${flowUuids[1]}"] }, orderBy: [{ field: DB_ID, direction: DESC }], first: 8, after: $after) {
          totalCount edges { cursor node { dbId } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
    const first = await page();
    expect(first.jobs.totalCount).toBe(20);
    expect(first.jobs.edges.map((edge) => edge.node.dbId)).toEqual(["20", "19", "18", "17", "16", "15", "14", "13"]);
    const seen = first.jobs.edges.map((edge) => edge.node.dbId);
    let cursor = first.jobs.pageInfo.endCursor;
    for (let more = first.jobs.pageInfo.hasNextPage; more;) {
      const next = await page(cursor);
      seen.push(...next.jobs.edges.map((edge) => edge.node.dbId));
      more = next.jobs.pageInfo.hasNextPage;
      cursor = next.jobs.pageInfo.endCursor;
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => String(20 - i)));
  });

  it("pages flows by name and filters with the JSON filter", async () => {
    const data = await jf.gw.ok<{ flows: { edges: { node: { name: string } }[] } }>(
      `query($f: Filter) { flows(filter: $f, orderBy: [{ field: NAME, direction: DESC }], first: 3) { edges { node { name } } } }`,
      { f: { name: { $regex: "^flow-00" } } },
    );
    expect(data.flows.edges.map((edge) => edge.node.name)).toEqual(["flow-009", "flow-008", "flow-007"]);
    expect(await jf.countJobs({}, { name: { $in: ["f1j1", "f2j2"] }, state: "WAITING" })).toBe(2);
    expect(await jf.countJobs({ states: ["READY"] }, { priority: { $gte: 0 } })).toBe(100);
  });

  it("a bad filter is BAD_USER_INPUT", async () => {
    const error = errorOf(await jf.gw.gql(`{ countJobs(filter: { stat: "READY" }) }`));
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(errorOf(await jf.gw.gql(`{ countJobs(filter: { state: "NOPE" }) }`)).code).toBe("BAD_USER_INPUT");
  });

  it("resolves federation references for Flow and both Job keys in batches", async () => {
    const representations = [
      { __typename: "Job", dbId: "1" },
      { __typename: "Job", dbId: "12" },
      { __typename: "Job", uuid: (await jf.job("5")).uuid, index: 1 },
      { __typename: "Flow", uuid: flowUuids[3] },
      { __typename: "Job", dbId: "999999" },
    ];
    const { result, statements } = await countStatements(jf.gw.services, () =>
      jf.gw.ok<{ _entities: ({ dbId?: string; uuid?: string; name?: string } | null)[] }>(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { dbId name } ... on Flow { uuid name } } }`,
        { r: representations },
      ),
    );
    expect(result._entities.map((entity) => entity?.dbId ?? entity?.uuid ?? null)).toEqual([
      "1",
      "12",
      "5",
      flowUuids[3],
      null,
    ]);
    expect(statements.length).toBeLessThanOrEqual(3);
  });
});

describe("the none store", () => {
  it("answers NO_DATA for flow and job reads", async () => {
    const gw = await startTestGateway("none");
    try {
      expect(errorOf(await gw.gql(`{ countJobs }`)).code).toBe("NO_DATA");
      expect(errorOf(await gw.gql(`{ flows { edges { node { uuid } } } }`)).code).toBe("NO_DATA");
    } finally {
      await gw.close();
    }
  });
});
