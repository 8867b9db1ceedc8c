/**
 * Compiled execution (src/server/compiled-execution.ts): a gateway that compiles repeated documents with
 * graphql-jit answers exactly as one that interprets every operation with graphql-js, on the same store, for data,
 * field errors (message, code, path, locations), null bubbling, fragments, directives, variable defaults, federation
 * and introspection; and the compiled form is really what answered (the executions counter says how each ran).
 */
import type { Database } from "../../src/db/database";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../support/databases";
import { openTestGateway, startTestGateway, type GqlResult, type TestGateway } from "../support/gateway";

interface Case {
  readonly name: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  /** Whether the compiled gateway compiles it (false: it hands the document to graphql-js, see the module). */
  readonly compiles: boolean;
}

const LIST = `query List($filter: Filter, $first: Int = 3, $after: String) {
  taskRecords(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { msgId label submitted completed engineUuid queue result: resultContent } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const CASES: readonly Case[] = [
  { name: "__typename", query: `{ __typename }`, compiles: true },
  { name: "a list page with a Filter variable", query: LIST, variables: { filter: { queue: "task" } }, compiles: true },
  {
    name: "aliases, fragments, inline fragments and @skip/@include with defaults",
    query: `query Shapes($withLabel: Boolean! = true, $skipCount: Boolean = false) {
      a: taskRecords(first: 2) { ...Page }
      b: countTaskRecords @skip(if: $skipCount)
      c: taskRecords(first: 1, orderBy: [{ field: MSG_ID, direction: DESC }]) { edges { node { ... on TaskRecord { msgId label @include(if: $withLabel) } } } }
    }
    fragment Page on TaskRecordConnection { edges { node { msgId ...Label } } }
    fragment Label on TaskRecord { label submitted }`,
    compiles: true,
  },
  ...[
    { a: false, b: false },
    { a: true, b: true },
  ].map((variables, i) => ({
    name: `fragment spreads and inline fragments under @include/@skip variables (${JSON.stringify(variables)})`,
    // One document per case (the counter counts per document): the spaces differ.
    query: `query($a: Boolean!, $b: Boolean!) {${" ".repeat(i + 1)}taskRecords(first: 2) { edges { node { msgId
      ...Label @include(if: $a) ... on TaskRecord @skip(if: $b) { submitted } } } } }
      fragment Label on TaskRecord { label }`,
    variables,
    compiles: true,
  })),
  {
    name: "a list variable given one value, an input field's default, explicit nulls",
    query: `query($o: [TaskRecordOrder!], $f: Filter, $after: String) {
      taskRecords(first: 3, orderBy: $o, filter: $f, after: $after) { edges { node { msgId } } }
    }`,
    variables: { o: { field: "MSG_ID" }, f: null, after: null },
    compiles: true,
  },
  {
    name: "omitted nullable variables for arguments with schema defaults",
    query: `mutation($force: Boolean, $dry: Boolean) {
      rerunJobs(filter: { state: "COMPLETED" }, force: $force, dryRun: $dry) { dryRun }
    }`,
    compiles: true,
  },
  {
    name: "nested flows → jobs → parents/children",
    query: `{ flows(first: 10) { edges { node { uuid name state jobs(atMost: 10) { uuid index name state parents(atMost: 10) { uuid } children(atMost: 10) { uuid } } } } } }`,
    compiles: true,
  },
  {
    name: "a field error (a list longer than atMost), nulled up to the nearest nullable field, next to data",
    query: `query($u: String) { countTaskRecords job(uuid: $u) { uuid name children(atMost: 1) { uuid } } }`,
    variables: { u: "one-a" },
    compiles: true,
  },
  {
    name: "a non-null variable left to its default (graphql-jit alone would refuse it)",
    query: `mutation($force: Boolean! = false) { rerunJobs(filter: { state: "COMPLETED" }, force: $force, dryRun: true) { dryRun } }`,
    compiles: true,
  },
  {
    name: "a variable inside a Filter literal (left to graphql-js)",
    query: `query($label: String) { taskRecords(filter: { label: $label }) { totalCount edges { node { msgId } } } }`,
    variables: { label: "label r-2" },
    compiles: false,
  },
  {
    name: "an operation of more than 200 fields, fragments expanded (left to graphql-js: too long to compile)",
    query: `{ ...Many ...Many2 } fragment Many on Query { ${Array.from({ length: 101 }, (_, i) => `a${i}: countTaskRecords`).join(" ")} }
      fragment Many2 on Query { ${Array.from({ length: 100 }, (_, i) => `b${i}: __typename`).join(" ")} }`,
    compiles: false,
  },
  {
    name: "federation: _entities and _service",
    query: `query($representations: [_Any!]!) {
      _entities(representations: $representations) { __typename ... on TaskRecord { msgId label } }
      _service { sdl }
    }`,
    variables: {
      representations: [
        { __typename: "TaskRecord", msgId: "r-3" },
        { __typename: "TaskRecord", msgId: "missing" },
        { __typename: "TaskRecord", msgId: "r-1" },
      ],
    },
    compiles: true,
  },
  {
    name: "introspection",
    query: `{ __schema { queryType { name } types { name kind } } __type(name: "Job") { fields { name args { name defaultValue } } } }`,
    compiles: true,
  },
];

describe.each(DIALECTS)("compiled execution answers as graphql-js (%s)", (dialect) => {
  let compiled: TestGateway;
  let interpreted: TestGateway;

  beforeAll(async () => {
    compiled = await startTestGateway(dialect, {}, { compiledExecution: true });
    interpreted = await openTestGateway(compiled.databaseUrl, {}, { compiledExecution: false });
    await compiled.ok(`mutation($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`, {
      records: Array.from({ length: 7 }, (_, i) => ({
        msgId: `r-${i}`,
        label: `label r-${i}`,
        submitted: `2026-11-2${i}T08:00:00.000Z`,
        ...(i % 3 === 0 ? {} : { completed: `2026-11-2${i}T09:00:00.123456Z`, engineUuid: `e-${i % 2}` }),
        queue: i % 2 ? "task" : "mux",
      })),
    });
    for (const name of ["one", "two"]) {
      await compiled.ok(`mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid } }`, {
        flow: {
          uuid: `flow-${name}`,
          name,
          jobs: [
            { uuid: `${name}-a`, name: "a" },
            { uuid: `${name}-b`, name: "b", parents: [`${name}-a`] },
            { uuid: `${name}-c`, name: "c", parents: [`${name}-a`, `${name}-b`] },
          ],
        },
      });
    }
  });
  afterAll(async () => {
    await interpreted?.close();
    await compiled?.close();
  });

  it.each(CASES)("$name", async ({ query, variables, compiles }) => {
    const expected = await interpreted.gql(query, variables);
    expect(expected.data, JSON.stringify(expected.errors)).toBeTruthy();
    const before = compiled.metrics.executions.get({ mode: "compiled" });
    // The first execution interprets; the second compiles and runs compiled; the third runs the compiled form.
    const answers: GqlResult[] = [];
    for (let run = 0; run < 3; run++) answers.push(await compiled.gql(query, variables));
    for (const answer of answers) expect(answer).toEqual(expected);
    expect(compiled.metrics.executions.get({ mode: "compiled" }) - before).toBe(compiles ? 2 : 0);
  });

  it("pages on with the compiled form exactly as graphql-js does", async () => {
    const first = await interpreted.ok<{ taskRecords: { pageInfo: { endCursor: string } } }>(LIST, { first: 2 });
    const variables = { first: 2, after: first.taskRecords.pageInfo.endCursor };
    const expected = await interpreted.gql(LIST, variables);
    for (let run = 0; run < 3; run++) expect(await compiled.gql(LIST, variables)).toEqual(expected);
  });

  it("bubbles an error in a non-null root field up to data: null, as graphql-js does", async () => {
    const query = `query($after: String) { countTaskRecords taskRecords(first: 1, after: $after) { totalCount } }`;
    const variables = { after: "not-a-cursor" };
    const expected = await interpreted.gql(query, variables);
    expect(expected.data).toBeNull();
    expect(expected.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    for (let run = 0; run < 3; run++) expect(await compiled.gql(query, variables)).toEqual(expected);
  });

  it("masks an unexpected failure as Apollo masks graphql-js's, each error with a correlation id of its own", async () => {
    // The compiled form's errors are formatted by compiled-execution.ts (Apollo does not export its formatting).
    const query = `query Broken { countTaskRecords }`;
    const db = compiled.services.context.db as Database;
    await db.run(`ALTER TABLE task_records RENAME TO task_records_gone`);
    try {
      const expected = await interpreted.gql(query);
      const before = compiled.metrics.executions.get({ mode: "compiled" });
      const answers: GqlResult[] = [];
      for (let run = 0; run < 3; run++) answers.push(await compiled.gql(query));
      expect(compiled.metrics.executions.get({ mode: "compiled" }) - before).toBe(2);
      const ids = answers.map((answer) => answer.errors?.[0]?.extensions?.["correlationId"]);
      expect(new Set(ids).size).toBe(3);
      const anonymous = (answer: GqlResult) =>
        JSON.parse(
          JSON.stringify(answer).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "ID"),
        );
      for (const answer of answers) expect(anonymous(answer)).toEqual(anonymous(expected));
      expect(expected.errors?.[0]?.extensions?.["code"]).toBe("INTERNAL_SERVER_ERROR");
      expect(JSON.stringify(answers)).not.toMatch(/task_records|select|sqlite|does not exist/i);
    } finally {
      await db.run(`ALTER TABLE task_records_gone RENAME TO task_records`);
    }
  });
});
