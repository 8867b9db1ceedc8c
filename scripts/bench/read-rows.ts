/**
 * The read rows: a filtered page of task records against its own SQL, `{ __typename }` against bare Apollo, and
 * flows → jobs → parents/children against its own statements. The references run the exact SQL and values hubql
 * ran for the same request (captured from an in-process hubql on the same store).
 */
import { createRequestContext } from "../../src/graphql/shared/context";
import { silentLogger } from "../../src/logger";
import { createGateway } from "../../src/server/app";
import { benchConfig, NESTED_FLOW_JOBS } from "./build-store";
import { FIRST_SUBMITTED_MS, listFilter } from "./dataset";
import { graphql } from "./http-client";
import { graphqlOperation } from "./http-client";
import { interleavedLatency, interleavedThroughput, type Operation } from "./measure";
import type { RawStore, Statement } from "./raw-store";
import { ratio, type Row } from "./row";
import type { BenchContext } from "./context";
import { type ServerProcess, startBareApollo, startFloor } from "./servers";

export const LIST_QUERY = `query List($f: Filter) { taskRecords(filter: $f, first: 100) {
  edges { node { msgId submitted started completed engineUuid queue resultContent } }
  pageInfo { hasNextPage endCursor } } }`;

/** Nested lists are costed at their worst case: `atMost` says what each holds (a root and nine children). */
export const NESTED_QUERY = `{ flows(first: 100) { edges { node { uuid name jobs(atMost: 10) {
  dbId name state parents(atMost: 1) { dbId } children(atMost: 9) { dbId } } } } } }`;

/** A page of the default order (submitted, then msgId), from a cursor or from the start. */
export const PAGE_QUERY = `query Page($after: String) { taskRecords(first: 100, after: $after) {
  edges { node { msgId submitted engineUuid queue } } pageInfo { hasNextPage endCursor } } }`;

const TYPENAME_QUERY = "{ __typename }";

/** The statements (text and values) hubql runs for one operation, from an in-process hubql on the same store. */
export async function captureStatements(
  databaseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Statement[]> {
  const { apollo, services } = await createGateway(benchConfig(databaseUrl), silentLogger);
  const statements: Statement[] = [];
  const stop = services.context.db!.onStatement((sql, _ms, values) => statements.push({ sql, values }));
  try {
    const response = await apollo.executeOperation(
      { query, ...(variables ? { variables } : {}) },
      { contextValue: createRequestContext(services, "bench-capture") },
    );
    if (response.body.kind === "single" && response.body.singleResult.errors?.length) {
      throw new Error(JSON.stringify(response.body.singleResult.errors));
    }
    return statements;
  } finally {
    stop();
    await apollo.stop();
    await services.context.db?.close();
  }
}

/** The statements one after another on the bare driver, as one reference call. */
function replay(raw: RawStore, statements: readonly Statement[]): Operation {
  return async () => {
    for (const statement of statements) await raw.query(statement);
  };
}

export async function listRows(ctx: BenchContext): Promise<Row[]> {
  const variables = { f: listFilter(ctx.records) };
  const statements = await captureStatements(ctx.databaseUrl, LIST_QUERY, variables);
  const hubql = graphqlOperation(ctx.hubql.url, LIST_QUERY, variables);
  const reference = replay(ctx.raw, statements);
  const [mine, theirs] = await interleavedLatency(hubql, reference, ctx.seconds);
  const [myRate, theirRate] = await interleavedThroughput(hubql, reference, ctx.clients, ctx.seconds);
  const name = `the same SQL through ${ctx.store === "postgres" ? "pg" : "better-sqlite3"}`;
  const listRatio = ratio(mine.p50, theirs.p50);
  const floors =
    ctx.store === "sqlite"
      ? [
          await floorRow(ctx, statements, { variables, reference, listRatio }),
          await graphqlFloorRow(ctx, { variables, reference, listRatio }),
        ]
      : [];
  return [
    {
      work: "taskRecords(filter: engine + submitted window, first: 100), p50",
      store: ctx.store,
      hubql: { p50: mine.p50, p95: mine.p95, statements: statements.length },
      reference: { name, p50: theirs.p50, p95: theirs.p95 },
      measure: { name: "p50 ratio", value: listRatio },
      target: { op: "≤", value: 3 },
    },
    {
      work: `same, throughput @${ctx.clients} clients`,
      store: ctx.store,
      unit: "req",
      hubql: { perSecond: myRate },
      reference: { name, perSecond: theirRate },
      measure: { name: "req/s ratio", value: ratio(myRate, theirRate) },
      target: ctx.store === "sqlite" ? { op: "≥", value: 0.35 } : null,
      note: ctx.store === "postgres" ? "target is ≥ 1.0× tuned PostGraphile: see README" : undefined,
    },
    ...floors,
  ];
}

/** The list's variables, its reference and the p50 ratio hubql's list measured against it. */
interface ListMeasured {
  readonly variables: Record<string, unknown>;
  readonly reference: Operation;
  readonly listRatio: number | null;
}

/**
 * What any server of hubql's shape pays for the list on SQLite before GraphQL: the same request over HTTP to plain
 * node:http, the same statement on a worker thread as hubql's readers run it, its rows sent back as JSON text
 * (floor-server.ts), against the same SQL in the bench's process, interleaved. Not a target: it tells how much of
 * the p50 ratio is the machine's (the wake-ups of threads and processes, the socket) and how much is hubql's.
 */
async function floorRow(ctx: BenchContext, statements: readonly Statement[], list: ListMeasured): Promise<Row> {
  const [statement] = statements;
  if (statements.length !== 1 || !statement) throw new Error("the list's floor needs its one statement");
  const server = await startFloor(ctx.databaseUrl.slice("sqlite:".length), statement.sql, statement.values);
  const work = "its floor (not hubql): node:http, one worker-thread hop, the same SQL, no GraphQL, p50";
  return floorAgainst(ctx, server, work, 1, list);
}

/**
 * What GraphQL alone costs for the same page: @apollo/server as its documentation sets it up, hubql's schema,
 * `taskRecords` answered from memory with the page hubql answered (bare-apollo.ts), no database and no thread,
 * against the same SQL, interleaved. Not a target either: with the thread-hop floor above, it tells what is left of
 * 3× the statement for anything hubql does beyond serving GraphQL.
 */
async function graphqlFloorRow(ctx: BenchContext, list: ListMeasured): Promise<Row> {
  const { taskRecords } = await graphql<{ taskRecords: unknown }>(ctx.hubql.url, LIST_QUERY, list.variables);
  const server = await startBareApollo(taskRecords);
  const work =
    "GraphQL's floor (not hubql): bare @apollo/server, hubql's schema, the page from memory, no database, p50";
  return floorAgainst(ctx, server, work, 0, list);
}

/** A floor row: `server`'s answer to the list, interleaved with the statement; stops the server. */
async function floorAgainst(
  ctx: BenchContext,
  server: ServerProcess,
  work: string,
  statements: number,
  { variables, reference, listRatio }: ListMeasured,
): Promise<Row> {
  try {
    const floor = graphqlOperation(server.url, LIST_QUERY, variables);
    const [mine, theirs] = await interleavedLatency(floor, reference, ctx.seconds);
    const floorRatio = ratio(mine.p50, theirs.p50);
    return {
      work,
      store: ctx.store,
      hubql: { p50: mine.p50, p95: mine.p95, statements },
      reference: { name: "the same SQL through better-sqlite3", p50: theirs.p50, p95: theirs.p95 },
      measure: { name: "p50 ratio", value: floorRatio },
      target: null,
      note:
        listRatio !== null && floorRatio !== null
          ? `hubql's ratio above is ${(listRatio / floorRatio).toFixed(2)}× this one`
          : "—",
    };
  } finally {
    await server.stop();
  }
}

export async function typenameRow(ctx: BenchContext): Promise<Row> {
  const bare = await startBareApollo();
  try {
    const [mine, theirs] = await interleavedThroughput(
      graphqlOperation(ctx.hubql.url, TYPENAME_QUERY),
      graphqlOperation(bare.url, TYPENAME_QUERY),
      ctx.clients,
      ctx.seconds,
    );
    return {
      work: `{ __typename }, throughput @${ctx.clients} clients`,
      store: "—",
      unit: "req",
      hubql: { perSecond: mine },
      reference: { name: "bare @apollo/server, same schema", perSecond: theirs },
      measure: { name: "req/s ratio", value: ratio(mine, theirs) },
      target: { op: "≥", value: 0.9 },
    };
  } finally {
    await bare.stop();
  }
}

export async function nestedRow(ctx: BenchContext): Promise<Row> {
  const statements = await captureStatements(ctx.databaseUrl, NESTED_QUERY);
  const [mine, theirs] = await interleavedLatency(
    graphqlOperation(ctx.hubql.url, NESTED_QUERY),
    replay(ctx.raw, statements),
    ctx.seconds,
  );
  return {
    work: `flows(first: 100) { jobs { parents children } }, ${ctx.shape.nestedFlows} flows × ${NESTED_FLOW_JOBS} jobs, p50`,
    store: ctx.store,
    hubql: { p50: mine.p50, p95: mine.p95, statements: statements.length },
    reference: { name: "its statements through the bare driver", p50: theirs.p50, p95: theirs.p95 },
    measure: { name: "p50 ratio", value: ratio(mine.p50, theirs.p50) },
    target: null,
    note: "target is ≤ 2× PostGraphile's p50: see README",
  };
}

/**
 * The page after a cursor in the middle of the table, against the first page (issue 14: next pages as fast as
 * first pages; an OR-chain keyset condition scanned everything before the cursor).
 */
export async function nextPageRow(ctx: BenchContext): Promise<Row> {
  const middle = new Date(FIRST_SUBMITTED_MS + Math.floor(ctx.records / 2) * 1000).toISOString();
  const { taskRecords } = await graphql<{ taskRecords: { pageInfo: { endCursor: string } } }>(
    ctx.hubql.url,
    `
      query ($f: Filter) {
        taskRecords(filter: $f, first: 1) {
          pageInfo {
            endCursor
          }
        }
      }
    `,
    { f: { submitted: { $gte: middle } } },
  );
  const [next, first] = await interleavedLatency(
    graphqlOperation(ctx.hubql.url, PAGE_QUERY, { after: taskRecords.pageInfo.endCursor }),
    graphqlOperation(ctx.hubql.url, PAGE_QUERY),
    ctx.seconds,
  );
  return {
    work: "taskRecords(first: 100, after: a cursor half-way), p50",
    store: ctx.store,
    hubql: { p50: next.p50, p95: next.p95 },
    reference: { name: "the first page, through hubql", p50: first.p50, p95: first.p95 },
    measure: { name: "p50 ratio", value: ratio(next.p50, first.p50) },
    target: { op: "≤", value: 1.5 },
  };
}
