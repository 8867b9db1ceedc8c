import { connect } from "node:net";

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ErrorCode, GRAPHQL_PROTOCOL_CODES } from "../../src/errors";
import type { App } from "../../src/server/app";
import { DIALECTS } from "../support/databases";
import { startTestHttp } from "../support/gateway";
import { snapshotStore } from "./harness";

/**
 * Malformed and hostile input at the API over real HTTP (issue #7, "Robustness"): filters, cursors, ids, variables,
 * huge and deeply nested documents, injection attempts in field names and JSON paths. Every answer is a documented
 * code other than INTERNAL_SERVER_ERROR (which would be a bug), the status is never 5xx, the process answers
 * /healthz afterwards, and the store's rows are byte-for-byte what they were.
 */
const DOCUMENTED = new Set<string>([...Object.values(ErrorCode), ...GRAPHQL_PROTOCOL_CODES]);
const RUNS = 300;

const INJECTIONS = [
  `'; DROP TABLE task_records; --`,
  `" OR 1=1 --`,
  `msg_id") OR ("1"="1`,
  "header'->>'x",
  "header.$[0]",
  "header.a'b",
  'header."x"',
  "header..x",
  "header.\u0000",
  "$where",
  "__proto__",
  "constructor",
  "1; SELECT pg_sleep(10)",
  "x\\",
  "%",
  "_",
];
const FIELDS = [
  "msgId",
  "msg_id",
  "header",
  "header.msg_type",
  "metadata.a.b",
  "content",
  "submitted",
  "started",
  "completed",
  "engineUuid",
  "queue",
  "buffers",
  "stdout",
  "label",
  "resultHeader.status",
];
const OPERATORS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$le",
  "$ge",
  "$in",
  "$nin",
  "$exists",
  "$regex",
  "$options",
  "$not",
  "$and",
  "$or",
  "$nor",
  "$elemMatch",
  "$size",
  "$all",
  "$type",
  "$mod",
  "$where",
  "$expr",
  "$bogus",
];

const scalar = fc.oneof(
  fc.string(),
  fc.constantFrom(...INJECTIONS),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom("(a+)+$", "[", "\\", "(?<x>a)\\k<x>", ".*".repeat(50)),
);
const key = fc.oneof(
  fc.constantFrom(...FIELDS),
  fc.constantFrom(...OPERATORS),
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 12 }),
);
const { filter } = fc.letrec((tie) => ({
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("filter"), { maxLength: 4 }),
    fc.dictionary(key, tie("filter"), { maxKeys: 4 }),
  ),
}));
const cursor = fc.oneof(
  fc.string(),
  fc.base64String(),
  fc.constantFrom(...INJECTIONS),
  filter.map((f) => Buffer.from(JSON.stringify(f) ?? "").toString("base64url")),
);

/** Read-only or rejected operations with hostile arguments, plus a dry-run purge (changes nothing by definition). */
const request = fc.oneof(
  fc.record({
    query: fc.constant(
      `query($f: Filter, $n: Int, $a: String) { taskRecords(filter: $f, first: $n, after: $a) { totalCount edges { cursor node { msgId header } } } }`,
    ),
    variables: fc.record({
      f: filter,
      n: fc.oneof(fc.integer(), fc.constant(null)),
      a: fc.oneof(cursor, fc.constant(null)),
    }),
  }),
  fc.record({
    query: fc.constant(`query($f: Filter) { countTaskRecords(filter: $f) }`),
    variables: fc.record({ f: filter }),
  }),
  fc.record({
    query: fc.constant(`query($q: Filter!, $k: [String!]) { dbQuery(query: $q, keys: $k) }`),
    variables: fc.record({
      q: filter,
      k: fc.oneof(fc.constant(null), fc.array(fc.oneof(key, fc.string()), { maxLength: 5 })),
    }),
  }),
  fc.record({
    query: fc.constant(`query($id: ID!) { taskRecord(msgId: $id) { msgId } }`),
    variables: fc.record({ id: fc.oneof(fc.string(), fc.constantFrom(...INJECTIONS)) }),
  }),
  fc.record({
    query: fc.constant(
      `mutation($id: ID!, $p: TaskRecordPatch!) { updateTaskRecord(msgId: $id, patch: $p) { msgId } }`,
    ),
    variables: fc.record({ id: fc.constantFrom(...INJECTIONS), p: fc.dictionary(key, filter, { maxKeys: 3 }) }),
  }),
  fc.record({
    query: fc.constant(
      `query($f: Filter, $n: Int, $a: String) { jobs(filter: $f, first: $n, after: $a) { totalCount edges { node { dbId state } } } }`,
    ),
    variables: fc.record({
      f: filter,
      n: fc.oneof(fc.integer(), fc.constant(null)),
      a: fc.oneof(cursor, fc.constant(null)),
    }),
  }),
  fc.record({
    query: fc.constant(`query($f: Filter) { flows(filter: $f) { totalCount } countFlows(filter: $f) }`),
    variables: fc.record({ f: filter }),
  }),
  fc.record({
    query: fc.constant(`mutation($f: Filter) { purgeTaskRecords(filter: $f, dryRun: true) { __typename } }`),
    variables: fc.record({ f: filter }),
  }),
  fc.record({
    query: fc.constant(
      `mutation($f: Filter) { deleteJobs(filter: $f, dryRun: true) { __typename } cancelQueuedJobs(filter: $f, dryRun: true) { __typename } }`,
    ),
    variables: fc.record({ f: filter }),
  }),
  fc.record({
    query: fc.constant(`mutation($f: Filter) { checkoutJob(filter: $f) { dbId } }`),
    variables: fc.record({ f: filter }),
  }),
  fc.record({
    query: fc.constant(
      `query($f: Filter, $a: String) { queue(filter: $f, after: $a) { totalCount } scaleJobs(filter: $f) { totalCount } }`,
    ),
    variables: fc.record({ f: filter, a: fc.oneof(cursor, fc.constant(null)) }),
  }),
  // Arbitrary variables of arbitrary shape for arbitrary documents.
  fc.record({
    query: fc.oneof(
      fc.string(),
      fc.constantFrom(
        `{`,
        `}`,
        `query { taskRecords(first: "1") { totalCount } }`,
        `{ __schema { types { name } } } { x }`,
      ),
    ),
    variables: fc.anything(),
  }),
);

describe.each(DIALECTS)("hostile input on %s", (dialect) => {
  let app: App;

  async function post(body: string) {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const text = await response.text();
    let codes: unknown[];
    try {
      const json = JSON.parse(text) as { errors?: { extensions?: { code?: unknown } }[] };
      codes = (json.errors ?? []).map((error) => error.extensions?.code);
    } catch {
      codes = [`non-JSON answer: ${text.slice(0, 200)}`];
    }
    return { status: response.status, codes };
  }

  const seen = new Map<string, number>();
  async function expectDocumented(body: string) {
    const { status, codes } = await post(body);
    for (const code of codes.length ? codes : ["(no error)"]) seen.set(String(code), (seen.get(String(code)) ?? 0) + 1);
    expect(status, body.slice(0, 300)).toBeLessThan(500);
    for (const code of codes) {
      expect(
        DOCUMENTED.has(String(code)) && code !== ErrorCode.INTERNAL_SERVER_ERROR,
        `${String(code)} for ${body.slice(0, 300)}`,
      ).toBe(true);
    }
    return codes;
  }

  function rawRequest(text: string): Promise<string> {
    const { port } = new URL(app.url);
    return new Promise((resolve, reject) => {
      let answer = "";
      const socket = connect(Number(port), "127.0.0.1", () => socket.end(text));
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
      socket.on("close", () => resolve(answer.split("\r\n")[0] ?? ""));
      socket.on("error", reject);
    });
  }

  const snapshot = () => snapshotStore(app);

  let before: string;
  beforeAll(async () => {
    app = await startTestHttp(dialect);
    const records = Array.from({ length: 20 }, (_, i) => ({
      msgId: `seed-${i}`,
      header: { msg_type: i % 2 ? "apply_request" : "execute_request", "a'b": i },
      submitted: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      queue: i % 3 ? "task" : "mux",
      stdout: `out ${i}`,
    }));
    await post(
      JSON.stringify({
        query: `mutation($r: [TaskRecordInput!]!) { addTaskRecords(records: $r) { msgId } }`,
        variables: { r: records },
      }),
    );
    before = await snapshot();
  });
  afterAll(() => app?.close());

  it("answers random hostile operations with documented codes and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ query, variables }) => {
        await expectDocumented(JSON.stringify({ query, variables }));
      }),
      { numRuns: RUNS },
    );
    expect(await snapshot()).toBe(before);
    // The inputs reach the filter compiler and the services, not just the parser: some succeed, some are refused.
    expect(seen.get("(no error)") ?? 0).toBeGreaterThan(0);
    expect(seen.get(ErrorCode.BAD_USER_INPUT) ?? 0).toBeGreaterThan(0);
  });

  it("survives huge, deeply nested and malformed documents and bodies", async () => {
    const bodies = [
      JSON.stringify({ query: `{ ${"taskRecords { edges { node { ".repeat(2000)} }` }),
      JSON.stringify({ query: `{ ${"a {".repeat(20_000)}${"}".repeat(20_000)} }` }),
      // Deep JSON is written as text: building it as an object would overflow this test's own stack.
      `{"query":"query($f: Filter) { countTaskRecords(filter: $f) }","variables":{"f":${'{"$and":['.repeat(3000)}{}${"]}".repeat(3000)}}}`,
      `{"query":"query($f: Filter) { countTaskRecords(filter: $f) }","variables":{"f":${'{"header":'.repeat(3000)}1${"}".repeat(3000)}}}`,
      `{"query":"query($f: Filter) { countTaskRecords(filter: $f) }","variables":{"f":{"header":${"[".repeat(100_000)}${"]".repeat(100_000)}}}}`,
      JSON.stringify({
        query: `query($f: Filter) { countTaskRecords(filter: $f) }`,
        variables: { f: { msgId: { $in: Array.from({ length: 100_000 }, (_, i) => `id-${i}`) } } },
      }),
      JSON.stringify({
        query: `query($f: Filter) { countTaskRecords(filter: $f) }`,
        variables: { f: { $or: Array.from({ length: 5000 }, (_, i) => ({ [`header.k${i}`]: i })) } },
      }),
      JSON.stringify({ query: `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: countTaskRecords`).join(" ")} }` }),
      JSON.stringify({
        query: `{ ...F0 } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ${i < 39 ? `...F${i + 1} ...F${i + 1}` : "countTaskRecords"} }`).join(" ")}`,
      }),
      JSON.stringify({ query: `{ taskRecords(first: -1) { totalCount } }` }),
      JSON.stringify({ query: `{ taskRecords(first: 2147483647) { totalCount } }` }),
      JSON.stringify({ query: `{ taskRecords(after: "${"A".repeat(100_000)}") { totalCount } }` }),
      JSON.stringify({ query: "{ countTaskRecords }", variables: [] }),
      JSON.stringify({ query: "{ countTaskRecords }", operationName: { x: 1 } }),
      JSON.stringify({ query: ["{ countTaskRecords }"] }),
      JSON.stringify([{ query: "{ countTaskRecords }" }, { query: "{ countTaskRecords }" }]),
      `{"query": "{ countTaskRecords }"`,
      "\u0000\u0001\u0002",
      "",
    ];
    for (const body of bodies) await expectDocumented(body);
    // Request targets Node's parser lets through but URL cannot parse, sent on a raw socket.
    for (const target of ["//[", "//a:b@[x]/graphql", "http://["]) {
      const status = await rawRequest(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(status, target).toMatch(/^HTTP\/1\.1 4\d\d/);
    }
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(await snapshot()).toBe(before);
  });
});
