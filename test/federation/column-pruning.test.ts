/**
 * Column pruning never changes an answer: lists, lookups, relations and `_entities` read only what their selection
 * needs (each type's FieldNeeds), so every field of every entity type is asked for alone, through every way in,
 * and must equal what the same field says when everything is selected at once. And what is not asked for is not
 * read: the statements name only the needed columns.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../support/databases";
import { countStatements, startTestGateway, type TestGateway } from "../support/gateway";

/** The field that identifies an object of each type (what a relation field selects of its target). */
const KEYS: Record<string, string> = {
  Job: "dbId",
  Flow: "uuid",
  JobType: "id",
  ScaleJob: "id",
  QueueEntry: "id",
  TaskRecord: "msgId",
  JobId: "dbId",
};

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}

describe.each(DIALECTS)("column pruning keeps every answer (%s)", (dialect) => {
  let gw: TestGateway;
  const fields = new Map<string, string[]>();
  let ids: { job: string; child: string; flow: string; jobType: number; scaleJob: number; entry: number };

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
    const { addFlow } = await gw.ok<{ addFlow: { uuid: string; ids: { dbId: string }[] } }>(
      `mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid ids { dbId } } }`,
      {
        flow: {
          name: "pruned",
          metadata: { project: "p" },
          jobs: [
            { name: "root", uuid: "prune-a", metadata: { step: 1 }, execConfig: { modules: ["x"] } },
            { name: "child", uuid: "prune-b", parents: ["prune-a"], resources: { nodes: 2 } },
          ],
        },
      },
    );
    await gw.ok(`mutation { checkoutJob(holder: "tester") { dbId } }`);
    const { createJobType } = await gw.ok<{ createJobType: { id: number } }>(
      `mutation { createJobType(input: { name: "pruning", version: "1.0.0" }) { id } }`,
    );
    const { createScaleJobs } = await gw.ok<{ createScaleJobs: { id: number }[] }>(
      `mutation($t: Int!) { createScaleJobs(jobs: [{ jobTypeId: $t, input: { a: 1 } }], queue: true) { id } }`,
      { t: createJobType.id },
    );
    const { queue } = await gw.ok<{ queue: { edges: { node: { id: number } }[] } }>(
      `{ queue(orderMode: FIFO) { edges { node { id } } } }`,
    );
    await gw.ok(`mutation($r: [TaskRecordInput!]!) { addTaskRecords(records: $r) { msgId } }`, {
      r: [
        {
          msgId: "prune-t",
          header: { msg_id: "prune-t" },
          submitted: "2026-05-01T10:00:00.000Z",
          started: "2026-05-01T10:00:01.000Z",
          buffers: ["AAEC"],
          label: "l",
        },
      ],
    });
    ids = {
      job: addFlow.ids[0]!.dbId,
      child: addFlow.ids[1]!.dbId,
      flow: addFlow.uuid,
      jobType: createJobType.id,
      scaleJob: createScaleJobs[0]!.id,
      entry: queue.edges[0]!.node.id,
    };
    for (const type of ["Job", "Flow", "JobType", "ScaleJob", "QueueEntry", "TaskRecord"]) {
      const { __type } = await gw.ok<{ __type: { fields: { name: string; args: unknown[]; type: TypeRef }[] } }>(
        `query($t: String!) { __type(name: $t) { fields { name args { name } type { ...T } } } }
         fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`,
        { t: type },
      );
      fields.set(
        type,
        __type.fields.filter((field) => field.args.length === 0).map((field) => selection(field.name, field.type)),
      );
    }
  });
  afterAll(() => gw?.close());

  /** `name`, or `name { key }` for a field of an object type. */
  function selection(name: string, type: TypeRef): string {
    let inner: TypeRef | null = type;
    while (inner && (inner.kind === "NON_NULL" || inner.kind === "LIST")) inner = inner.ofType;
    return inner?.kind === "OBJECT" ? `${name} { ${KEYS[inner.name ?? ""] ?? "__typename"} }` : name;
  }

  /** Ways in to objects of each type: a query with a `%` where the selection goes, and where the objects are. */
  function waysIn(type: string): { query: string; variables?: Record<string, unknown>; path: string[] }[] {
    const entity = (representation: Record<string, unknown>) => ({
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { % } } }`,
      variables: { r: [{ __typename: type, ...representation }] },
      path: ["_entities"],
    });
    switch (type) {
      case "Job":
        return [
          entity({ dbId: ids.child }),
          entity({ uuid: "prune-a", index: 1 }),
          { query: `{ job(dbId: "${ids.child}") { % } }`, path: ["job"] },
          { query: `{ job(uuid: "prune-a") { % } }`, path: ["job"] },
          { query: `{ jobs(first: 10) { edges { node { % } } } }`, path: ["jobs", "edges"] },
          { query: `{ flow(uuid: "${ids.flow}") { jobs { % } } }`, path: ["flow", "jobs"] },
          { query: `{ job(dbId: "${ids.child}") { parents { % } } }`, path: ["job", "parents"] },
          { query: `{ job(dbId: "${ids.job}") { children { % } } }`, path: ["job", "children"] },
        ];
      case "Flow":
        return [
          entity({ uuid: ids.flow }),
          { query: `{ flow(uuid: "${ids.flow}") { % } }`, path: ["flow"] },
          { query: `{ flows(first: 10) { edges { node { % } } } }`, path: ["flows", "edges"] },
          { query: `{ job(dbId: "${ids.job}") { flow { % } } }`, path: ["job", "flow"] },
        ];
      case "JobType":
        return [
          entity({ id: ids.jobType }),
          { query: `{ jobType(id: ${ids.jobType}) { % } }`, path: ["jobType"] },
          { query: `{ scaleJob(id: ${ids.scaleJob}) { jobType { % } } }`, path: ["scaleJob", "jobType"] },
          { query: `{ queueEntry(id: ${ids.entry}) { jobType { % } } }`, path: ["queueEntry", "jobType"] },
        ];
      case "ScaleJob":
        return [
          entity({ id: ids.scaleJob }),
          { query: `{ scaleJob(id: ${ids.scaleJob}) { % } }`, path: ["scaleJob"] },
          { query: `{ scaleJobs(first: 10) { edges { node { % } } } }`, path: ["scaleJobs", "edges"] },
          { query: `{ queueEntry(id: ${ids.entry}) { job { % } } }`, path: ["queueEntry", "job"] },
        ];
      case "QueueEntry":
        return [
          entity({ id: ids.entry }),
          { query: `{ queueEntry(id: ${ids.entry}) { % } }`, path: ["queueEntry"] },
          { query: `{ queue(orderMode: FIFO) { edges { node { % } } } }`, path: ["queue", "edges"] },
        ];
      default:
        return [
          entity({ msgId: "prune-t" }),
          { query: `{ taskRecord(msgId: "prune-t") { % } }`, path: ["taskRecord"] },
          { query: `{ taskRecords(first: 10) { edges { node { % } } } }`, path: ["taskRecords", "edges"] },
        ];
    }
  }

  /** The objects at `path` of a result. */
  function at(data: unknown, path: readonly string[]): unknown {
    return path.reduce<unknown>((value, step) => (value as Record<string, unknown> | null)?.[step], data);
  }

  /** The objects' values of `field` (a selection's leading name): a list's edges give their nodes'. */
  function valuesOf(found: unknown, field: string): unknown {
    const name = field.split(" ")[0] as string;
    const list = Array.isArray(found) ? found : [found];
    return list.map((item) => {
      const object = item as Record<string, Record<string, unknown> | undefined> | null;
      return (object?.["node"] ?? (object as Record<string, unknown> | null))?.[name];
    });
  }

  it.each(["Job", "Flow", "JobType", "ScaleJob", "QueueEntry", "TaskRecord"])(
    "%s: each field asked alone equals the field asked with all the others, every way in",
    async (type) => {
      const all = fields.get(type)!;
      for (const way of waysIn(type)) {
        const everything = at(await gw.ok(way.query.replace("%", all.join(" ")), way.variables), way.path);
        for (const field of all) {
          if (field === "estimatedRunTime") continue; // seconds since start: changes between the two reads
          const alone = at(await gw.ok(way.query.replace("%", field), way.variables), way.path);
          expect({ way: way.query, field, value: valuesOf(alone, field) }).toEqual({
            way: way.query,
            field,
            value: valuesOf(everything, field),
          });
        }
      }
    },
  );

  it("reads only the needed columns: a job's name, by key and through relations", async () => {
    const { statements } = await countStatements(gw.services, () =>
      gw.ok(
        `query($r: [_Any!]!) {
          _entities(representations: $r) { ... on Job { name } }
          flow(uuid: "${ids.flow}") { jobs(atMost: 10) { name parents(atMost: 10) { dbId } children(atMost: 10) { dbId } } }
        }`,
        { r: [{ __typename: "Job", dbId: ids.job }] },
      ),
    );
    const jobReads = statements.filter((sql) => /"jobs" t/.test(sql));
    expect(jobReads.length).toBeGreaterThan(0);
    for (const sql of jobReads) {
      for (const column of ["metadata", "exec_config", "resources", "output", "stored_data", "hosts", "lock_id"]) {
        expect(sql).not.toContain(`"${column}"`);
      }
    }
  });
});
