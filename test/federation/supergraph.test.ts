/**
 * hubql as another team's supergraph sees it: its SDL is read over HTTP (`_service { sdl }`, as a router's
 * introspect-and-compose does), composed with a second subgraph by @apollo/composition, and served by an
 * in-process @apollo/gateway that reaches hubql over real HTTP. Queries cross both subgraphs in both directions.
 * hubql runs with authentication on, and the gateway forwards each caller's bearer token, as
 * docs/federation-and-clients.md shows.
 */
// @apollo/gateway phones home (usage metrics, cloud detectors) unless told not to, before it is constructed.
process.env["APOLLO_TELEMETRY_DISABLED"] = "1";

import { Socket } from "node:net";

import { composeServices } from "@apollo/composition";
import { ApolloGateway, LocalGraphQLDataSource, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { App } from "../../src/server/app";
import { DIALECTS } from "../support/databases";
import { countStatements, startTestHttp } from "../support/gateway";
import { type AnnotationsSubgraph, createAnnotationsSubgraph } from "./annotations-subgraph";

const OPERATOR = "sg-operator-token";
const READER = "sg-reader-token";

interface GatewayContext {
  authorization?: string;
}

interface Result<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Every TCP destination this process dials while the suite runs (the gateway must dial only loopback). */
const dialed: string[] = [];
const connect = Socket.prototype.connect;
Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
  const [first] = args;
  const options = (Array.isArray(first) ? first[0] : first) as { host?: string; port?: number; path?: string } | number;
  dialed.push(
    typeof options === "number"
      ? `localhost:${options}`
      : (options.path ?? `${options.host ?? "localhost"}:${options.port}`),
  );
  return (connect as (...a: unknown[]) => Socket).apply(this, args);
} as typeof Socket.prototype.connect;
afterAll(() => {
  Socket.prototype.connect = connect;
});

describe.each(DIALECTS)("hubql composed into a supergraph (%s)", (dialect) => {
  let hubql: App;
  let annotations: AnnotationsSubgraph;
  let gateway: ApolloServer<GatewayContext>;
  let supergraphSdl: string;

  async function run<T>(
    query: string,
    variables: Record<string, unknown> = {},
    token: string | null = OPERATOR,
  ): Promise<Result<T>> {
    const contextValue = token ? { authorization: `Bearer ${token}` } : {};
    const response = await gateway.executeOperation<T>({ query, variables }, { contextValue });
    if (response.body.kind !== "single") throw new Error("unexpected incremental response");
    return JSON.parse(JSON.stringify(response.body.singleResult)) as Result<T>;
  }
  async function ok<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await run<T>(query, variables);
    expect(result.errors).toBeUndefined();
    return result.data as T;
  }

  beforeAll(async () => {
    hubql = await startTestHttp(dialect, {
      auth: { tokens: `operator:${OPERATOR},reader:${READER}`, tokensFile: null, allowUnauthenticatedNetwork: false },
    });
    // As `rover subgraph introspect --header "authorization: Bearer …"` reads it.
    const sdlResponse = await fetch(`${hubql.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${READER}` },
      body: JSON.stringify({ query: "{ _service { sdl } }" }),
    });
    const { data } = (await sdlResponse.json()) as { data: { _service: { sdl: string } } };
    annotations = createAnnotationsSubgraph();
    const composition = composeServices([
      { name: "hubql", url: `${hubql.url}/graphql`, typeDefs: parse(data._service.sdl) },
      { name: annotations.name, url: "local://annotations", typeDefs: annotations.typeDefs },
    ]);
    expect(composition.errors ?? []).toEqual([]);
    supergraphSdl = composition.supergraphSdl!;
    gateway = new ApolloServer<GatewayContext>({
      gateway: new ApolloGateway({
        supergraphSdl,
        buildService: ({ name, url }) =>
          name === "hubql"
            ? new RemoteGraphQLDataSource<GatewayContext>({
                url: url!,
                willSendRequest({ request, context }) {
                  if (context.authorization) request.http?.headers.set("authorization", context.authorization);
                },
              })
            : new LocalGraphQLDataSource(annotations.schema),
      }),
    });
    await gateway.start();
    // Seeded through the supergraph: mutations route to hubql over HTTP.
    await ok(`mutation Seed($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`, {
      records: [
        {
          msgId: "task-a",
          label: "alpha",
          submitted: "2026-11-20T10:00:00.000Z",
          completed: "2026-11-20T10:05:00.000Z",
        },
        { msgId: "task-b", label: "beta", submitted: "2026-11-20T11:00:00.000Z" },
        { msgId: "task-c", label: "gamma", submitted: "2026-11-20T12:00:00.000Z" },
      ],
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await hubql?.close();
  });

  it("composes with zero errors and keeps hubql's keys and root fields in the supergraph", () => {
    const taskRecordHead = /type TaskRecord\b([^{]*)\{/.exec(supergraphSdl)?.[1];
    expect(taskRecordHead).toContain('@join__type(graph: HUBQL, key: "msgId")');
    expect(taskRecordHead).toContain('@join__type(graph: ANNOTATIONS, key: "msgId")');
    expect(supergraphSdl).toContain("taskRecords(");
    expect(supergraphSdl).toContain("reviewQueue:");
  });

  it("adds the other subgraph's fields to hubql's task records (hubql → annotations)", async () => {
    await ok(`mutation { a: annotate(typeName: "TaskRecord", id: "task-b", note: "slow engine") }`);
    await ok(`mutation { a: annotate(typeName: "TaskRecord", id: "task-b", note: "rerun after fix") }`);
    const data = await ok<{
      taskRecords: { totalCount: number; edges: { node: { msgId: string; label: string; notes: string[] } }[] };
    }>(`{ taskRecords(filter: { completed: null }) { totalCount edges { node { msgId label notes } } } }`);
    expect(data.taskRecords.totalCount).toBe(2);
    expect(data.taskRecords.edges.map((edge) => edge.node)).toEqual([
      { msgId: "task-b", label: "beta", notes: ["slow engine", "rerun after fix"] },
      { msgId: "task-c", label: "gamma", notes: [] },
    ]);
  });

  it("resolves the other subgraph's task references via hubql's _entities, in order, in one statement", async () => {
    // An id hubql does not know: its _entities answers null, and the gateway leaves hubql's fields null.
    annotations.reviewQueue.splice(0, annotations.reviewQueue.length, "task-c", "task-missing", "task-a", "task-c");
    const { result, statements } = await countStatements(hubql.services, () =>
      run<{ reviewQueue: ({ msgId: string; label: string | null; completed: string | null } | null)[] }>(
        `{ reviewQueue { msgId label completed } }`,
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.reviewQueue).toEqual([
      { msgId: "task-c", label: "gamma", completed: null },
      { msgId: "task-missing", label: null, completed: null },
      { msgId: "task-a", label: "alpha", completed: "2026-11-20T10:05:00.000000Z" },
      { msgId: "task-c", label: "gamma", completed: null },
    ]);
    expect(statements).toHaveLength(1);
  });

  it("adds the other subgraph's fields to hubql's jobs, also when reached through a flow", async () => {
    expect(supergraphSdl).toMatch(/type Job\b[^{]*@join__type\(graph: ANNOTATIONS, key: "dbId"\)/);
    const { addFlow } = await ok<{ addFlow: { ids: { dbId: string; uuid: string }[] } }>(
      `mutation($flow: FlowInput!) { addFlow(flow: $flow) { ids { dbId uuid } } }`,
      {
        flow: {
          name: "sg",
          uuid: "flow-sg",
          jobs: [
            { name: "a", uuid: "sg-a" },
            { name: "b", uuid: "sg-b", parents: ["sg-a"] },
          ],
        },
      },
    );
    const dbIdOf = (uuid: string) => addFlow.ids.find((id) => id.uuid === uuid)!.dbId;
    await ok(`mutation($id: ID!) { annotate(typeName: "Job", id: $id, note: "needs more memory") }`, {
      id: dbIdOf("sg-b"),
    });
    const data = await ok<{ flow: { jobs: { uuid: string; state: string; notes: string[] }[] } }>(
      `{ flow(uuid: "flow-sg") { jobs { uuid state notes } } }`,
    );
    expect(data.flow.jobs).toEqual([
      { uuid: "sg-a", state: "READY", notes: [] },
      { uuid: "sg-b", state: "WAITING", notes: ["needs more memory"] },
    ]);
  });

  it("dials nothing but loopback: Apollo's telemetry and cloud probes stay off", () => {
    expect(dialed.length).toBeGreaterThan(0);
    expect(dialed.filter((destination) => !/^(127\.\d+\.\d+\.\d+|localhost|::1|\/)/.test(destination))).toEqual([]);
  });

  it("passes hubql's error codes through the gateway", async () => {
    const result = await run(`{ taskRecords(filter: { nosuchfield: 1 }) { totalCount } }`);
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it("applies hubql's auth to forwarded tokens: reader reads, cannot write; no token: other part only", async () => {
    const read = await run<{ taskRecord: { label: string; notes: string[] } }>(
      `{ taskRecord(msgId: "task-b") { label notes } }`,
      {},
      READER,
    );
    expect(read.data?.taskRecord).toEqual({ label: "beta", notes: ["slow engine", "rerun after fix"] });
    const write = await run(`mutation { addTaskRecords(records: [{ msgId: "by-reader" }]) { msgId } }`, {}, READER);
    expect(write.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
    annotations.reviewQueue.splice(0, annotations.reviewQueue.length, "task-a");
    const anonymous = await run<{ reviewQueue: { msgId: string; label: string | null }[] }>(
      `{ reviewQueue { msgId label } }`,
      {},
      null,
    );
    expect(anonymous.data?.reviewQueue).toEqual([{ msgId: "task-a", label: null }]);
    expect(anonymous.errors?.map((error) => error.extensions?.["code"])).toContain("UNAUTHENTICATED");
  });
});
