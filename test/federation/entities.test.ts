/**
 * hubql's own federation surface, as a gateway calls it: `_entities` answers representations in input order (null
 * for unknown ids) with one batched SQL statement per entity type per request, and `_service { sdl }` is the
 * committed schema file as far as composition can tell.
 */
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { readSchemaFile } from "../../scripts/schema-file";
import { DIALECTS } from "../support/databases";
import { countStatements, startTestGateway, type TestGateway } from "../support/gateway";

const ENTITIES = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on TaskRecord { msgId label submitted } }
}`;

describe.each(DIALECTS)("federation entry points (%s)", (dialect) => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(dialect);
    await gateway.ok(`mutation($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`, {
      records: ["e-1", "e-2", "e-3", "e-4"].map((msgId, i) => ({
        msgId,
        label: `label ${msgId}`,
        submitted: `2026-11-2${i}T08:00:00.000Z`,
      })),
    });
  });
  afterAll(() => gateway?.close());

  it("resolves TaskRecord representations in input order, null for unknown ids, in one SQL statement", async () => {
    const representations = ["e-3", "nope", "e-1", "e-3", "e-4"].map((msgId) => ({ __typename: "TaskRecord", msgId }));
    const { result, statements } = await countStatements(gateway.services, () =>
      gateway.ok<{ _entities: ({ msgId: string; label: string; submitted: string } | null)[] }>(ENTITIES, {
        representations,
      }),
    );
    expect(result._entities).toEqual([
      { msgId: "e-3", label: "label e-3", submitted: "2026-11-22T08:00:00.000000Z" },
      null,
      { msgId: "e-1", label: "label e-1", submitted: "2026-11-20T08:00:00.000000Z" },
      { msgId: "e-3", label: "label e-3", submitted: "2026-11-22T08:00:00.000000Z" },
      { msgId: "e-4", label: "label e-4", submitted: "2026-11-23T08:00:00.000000Z" },
    ]);
    expect(statements).toHaveLength(1);
  });

  it("keeps one statement for a large batch (no N+1)", async () => {
    const representations = Array.from({ length: 200 }, (_, i) => ({
      __typename: "TaskRecord",
      msgId: `e-${(i % 5) + 1}`,
    }));
    const { result, statements } = await countStatements(gateway.services, () =>
      gateway.ok<{ _entities: ({ msgId: string } | null)[] }>(ENTITIES, { representations }),
    );
    expect(result._entities.map((entity) => entity?.msgId ?? null)).toEqual(
      representations.map(({ msgId }) => (msgId === "e-5" ? null : msgId)),
    );
    expect(statements).toHaveLength(1);
  });

  it("resolves every entity type, each key kind in one batched statement, in input order", async () => {
    const { addFlow } = await gateway.ok<{
      addFlow: { uuid: string; ids: { dbId: string; uuid: string; index: number }[] };
    }>(`mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid ids { dbId uuid index } } }`, {
      flow: {
        name: "f",
        uuid: "flow-e",
        jobs: [
          { name: "a", uuid: "job-a" },
          { name: "b", uuid: "job-b", parents: ["job-a"] },
        ],
      },
    });
    const { createJobType } = await gateway.ok<{ createJobType: { id: number } }>(
      `mutation { createJobType(input: { name: "entity-type", version: "1.0.0" }) { id } }`,
    );
    await gateway.ok(
      `mutation($t: Int!) { createScaleJobs(jobs: [{ jobTypeId: $t, input: { a: 1 } }], queue: true) { id } }`,
      {
        t: createJobType.id,
      },
    );
    const { queue } = await gateway.ok<{ queue: { edges: { node: { id: number } }[] } }>(
      `{ queue(orderMode: FIFO) { edges { node { id } } } }`,
    );
    const [jobA, jobB] = addFlow.ids;
    const entryId = queue.edges[0]!.node.id;
    const representations = [
      { __typename: "Job", dbId: jobB!.dbId },
      { __typename: "TaskRecord", msgId: "e-2" },
      { __typename: "QueueEntry", id: entryId },
      { __typename: "Flow", uuid: "flow-e" },
      { __typename: "Job", uuid: "job-a", index: 1 },
      { __typename: "JobType", id: createJobType.id },
      { __typename: "Flow", uuid: "no-such-flow" },
      { __typename: "Job", dbId: jobA!.dbId },
      { __typename: "TaskRecord", msgId: "e-1" },
      { __typename: "QueueEntry", id: entryId + 1000 },
    ];
    const { result, statements } = await countStatements(gateway.services, () =>
      gateway.ok<{ _entities: unknown[] }>(
        `query($representations: [_Any!]!) {
          _entities(representations: $representations) {
            __typename
            ... on TaskRecord { msgId }
            ... on Job { dbId uuid name }
            ... on Flow { flowUuid: uuid name }
            ... on QueueEntry { id jobTypeId }
            ... on JobType { id name }
          }
        }`,
        { representations },
      ),
    );
    expect(result._entities).toEqual([
      { __typename: "Job", dbId: jobB!.dbId, uuid: "job-b", name: "b" },
      { __typename: "TaskRecord", msgId: "e-2" },
      { __typename: "QueueEntry", id: entryId, jobTypeId: createJobType.id },
      { __typename: "Flow", flowUuid: "flow-e", name: "f" },
      { __typename: "Job", dbId: jobA!.dbId, uuid: "job-a", name: "a" },
      { __typename: "JobType", id: createJobType.id, name: "entity-type" },
      null,
      { __typename: "Job", dbId: jobA!.dbId, uuid: "job-a", name: "a" },
      { __typename: "TaskRecord", msgId: "e-1" },
      null,
    ]);
    // One per loader: TaskRecord, Job by dbId, Job by (uuid, index), Flow, QueueEntry, JobType.
    expect(statements).toHaveLength(6);
  });

  it("rejects a representation of a type that is not an entity", async () => {
    const result = await gateway.gql(ENTITIES, { representations: [{ __typename: "PageInfo", endCursor: "x" }] });
    expect(result.errors?.length).toBeGreaterThan(0);
  });

  it("serves at _service an SDL that composes to the same supergraph as schema/schema.graphql", async () => {
    // _service adds federation's own definitions (@link, _Any, …) to the SDL; routers that introspect and
    // pipelines that read the committed file must still end up with the same supergraph.
    const { _service } = await gateway.ok<{ _service: { sdl: string } }>(`{ _service { sdl } }`);
    const compose = (sdl: string) =>
      composeServices([{ name: "hubql", url: "http://hubql.invalid/graphql", typeDefs: parse(sdl) }]);
    const introspected = compose(_service.sdl);
    const fromFile = compose(readSchemaFile());
    expect(introspected.errors ?? []).toEqual([]);
    expect(introspected.supergraphSdl).toBe(fromFile.supergraphSdl);
  });
});
