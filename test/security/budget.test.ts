/**
 * Issue 12, class 2: a request budget that bounds real work. The estimate counts filters (JSON strings included),
 * patterns, list sizes (`_entities` representations), variable defaults and the worst case of nested lists; every
 * list is paged or capped at run time; the bytes one request reads are bounded, so memory is too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { buildHubqlSchema } from "../../src/graphql/schema";
import { unclassifiedLists } from "../../src/server/limits/list-fields";
import { DIALECTS } from "../support/databases";
import {
  addFlow,
  addTaskRecords,
  expectAnswered,
  expectHealthy,
  expectRefused,
  type HostileServer,
  startHostileServer,
} from "./harness";

it("bounds every list of the schema (LIST_BOUNDS classifies each one)", async () => {
  expect(unclassifiedLists(await buildHubqlSchema())).toEqual([]);
});

describe.each(DIALECTS)("the request budget on %s", (dialect) => {
  let server: HostileServer;
  let flow: { uuid: string; dbIds: string[] };
  let before: string;

  beforeAll(async () => {
    // A small read budget so memory exhaustion is shown with a few MB instead of gigabytes.
    server = await startHostileServer(dialect, { maxReadBytes: 8 * 1024 * 1024 });
    await addTaskRecords(server, 300, 40_000, "big");
    // Issue 12: every job depends on all earlier ones; `children` three deep answered 917,000 objects.
    flow = await addFlow(server, "dense", 70, (i) => Array.from({ length: i }, (_, p) => p));
    before = await server.snapshot();
  }, 180_000);
  afterAll(() => server?.close());

  it("costs a filter written as a JSON string by its size", async () => {
    const big = JSON.stringify({ $or: Array.from({ length: 400 }, (_, i) => ({ queue: `q${i}` })) });
    const aliases = Array.from({ length: 150 }, (_, i) => `a${i}: countTaskRecords(filter: ${JSON.stringify(big)})`);
    expectRefused(await server.post(`{ ${aliases.join(" ")} }`, undefined, "reader"), "LIMIT_EXCEEDED", "cost");
    expectAnswered(await server.post(`{ countTaskRecords(filter: ${JSON.stringify(big)}) }`, undefined, "reader"));
  });

  it("costs patterns: many regex counts in one request are refused before any runs", async () => {
    for (const count of [60, 100]) {
      const aliases = Array.from({ length: count }, (_, i) => `a${i}: countTaskRecords(filter: $f)`).join(" ");
      const answer = await server.post(`query($f: Filter) { ${aliases} }`, { f: { stdout: { $regex: "y" } } });
      expectRefused(answer, "LIMIT_EXCEEDED", "cost", String(count));
      expect(answer.status).toBe(400);
    }
    // Patterns inside $or and $not count too.
    const nested = { $or: Array.from({ length: 60 }, (_, i) => ({ label: { $not: { $regex: `x${i}` } } })) };
    expectRefused(
      await server.post(`query($f: Filter) { countTaskRecords(filter: $f) }`, { f: nested }),
      "LIMIT_EXCEEDED",
      "cost",
    );
  });

  it("costs _entities by its representations, and bounds what they read", async () => {
    const representations = Array.from({ length: 10_000 }, (_, i) => ({ __typename: "TaskRecord", msgId: `big-${i}` }));
    const selection = `_entities(representations: $r) { ... on TaskRecord { msgId stdout header metadata } }`;
    // Three aliases of 10,000 representations: refused by the estimate before anything is read.
    expectRefused(
      await server.post(`query($r: [_Any!]!) { a: ${selection} b: ${selection} c: ${selection} }`, {
        r: representations,
      }),
      "LIMIT_EXCEEDED",
      "cost",
    );
    // One alias fits the estimate; what it reads (300 records of 40 KB) exceeds the read budget.
    expectRefused(
      await server.post(`query($r: [_Any!]!) { ${selection} }`, { r: representations }, "reader"),
      "LIMIT_EXCEEDED",
      "readBytes",
    );
    const small = await server.post(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on TaskRecord { msgId } } }`,
      { r: representations.slice(0, 50) },
      "reader",
    );
    expect((expectAnswered(small)["_entities"] as unknown[]).length).toBe(50);
    await expectHealthy(server);
  });

  it("reads variable defaults: a defaulted page size is checked like a sent one", async () => {
    for (const query of [
      `query($n: Int = 1000000) { flows(first: $n) { totalCount } }`,
      `query($n: Int = 5000) { taskRecords(first: $n) { edges { node { msgId } } } }`,
      `query($n: Int = 1000000) { dbQuery(query: {}, keys: ["msg_id"], limit: $n) }`,
      `query($n: Int = 100000) { flow(uuid: "x") { jobs(atMost: $n) { dbId } } }`,
    ]) {
      expectRefused(await server.post(query, {}, "reader"), "LIMIT_EXCEEDED", "pageSize", query);
    }
    // The default of a costly page counts at its value.
    const aliases = Array.from(
      { length: 30 },
      (_, i) => `a${i}: taskRecords(first: $n) { edges { node { msgId stdout header } } }`,
    );
    expectRefused(
      await server.post(`query($n: Int = 1000) { ${aliases.join(" ")} }`, {}, "reader"),
      "LIMIT_EXCEEDED",
      "cost",
    );
  });

  it("counts nested lists at their worst case: the dense flow's fan-out is refused before it is built", async () => {
    for (const query of [
      `{ jobs(first: 70) { edges { node { children { children { children { dbId } } } } } } }`,
      `{ flows(first: 10) { edges { node { jobs { parents { parents { dbId } } } } } } }`,
      `{ flow(uuid: "${flow.uuid}") { jobs { children { children { dbId } } } } }`,
      `query { job(dbId: "${flow.dbIds[0]}") { children { children { children { dbId } } } } }`,
    ]) {
      const answer = await server.post(query, undefined, "reader");
      expectRefused(answer, "LIMIT_EXCEEDED", "cost", query);
      expect(answer.ms, query).toBeLessThan(2000);
    }
  });

  it("caps nested lists at run time: atMost lowers the cost, and a longer list is refused, never cut short", async () => {
    const within = await server.post(
      `query($uuid: ID!) { flow(uuid: $uuid) { jobs(atMost: 70) { dbId children(atMost: 69) { dbId } } } }`,
      { uuid: flow.uuid },
      "reader",
    );
    const jobs = (expectAnswered(within)["flow"] as { jobs: { children: unknown[] }[] }).jobs;
    expect(jobs).toHaveLength(70);
    expect(jobs[0]?.children).toHaveLength(69);
    for (const query of [
      `query($uuid: ID!) { flow(uuid: $uuid) { jobs(atMost: 10) { dbId } } }`,
      `query($uuid: ID!) { flow(uuid: $uuid) { jobUuids(atMost: 5) } }`,
      `query($uuid: ID!) { flow(uuid: $uuid) { ids(atMost: 69) { dbId } } }`,
      `query($uuid: ID!) { flow(uuid: $uuid) { jobs(atMost: 70) { dbId children(atMost: 3) { dbId } } } }`,
      `query($uuid: ID!) { flow(uuid: $uuid) { jobs(atMost: 70) { dbId parents(atMost: 2) { dbId } } } }`,
    ]) {
      const answer = await server.post(query, { uuid: flow.uuid }, "reader");
      const error = expectRefused(answer, "LIMIT_EXCEEDED", "listItems", query);
      expect(error.message).toMatch(/never|cut short/);
    }
  });

  it("bounds the bytes one request reads: 25 aliases of dbQuery over large stdout are refused, the process lives", async () => {
    const aliases = Array.from({ length: 25 }, (_, i) => `a${i}: dbQuery(query: {}, keys: ["stdout"])`).join(" ");
    const answer = await server.post(`{ ${aliases} }`, undefined, "reader");
    expectRefused(answer, "LIMIT_EXCEEDED", "readBytes");
    // One whole answer over the budget is refused too (300 × 40 KB = 12 MB > 8 MiB), never truncated.
    expectRefused(
      await server.post(`{ dbQuery(query: {}, keys: ["stdout"]) }`, undefined, "reader"),
      "LIMIT_EXCEEDED",
      "readBytes",
    );
    expectRefused(
      await server.post(`{ taskRecords(first: 300) { edges { node { msgId stdout } } } }`, undefined, "reader"),
      "LIMIT_EXCEEDED",
      "readBytes",
    );
    await expectHealthy(server);
  });

  it("pages dbQuery and taskHistory with limit/offset, whole answers when they fit", async () => {
    const page = async (offset: number) =>
      expectAnswered(
        await server.post(
          `query($o: Int) { dbQuery(query: {}, keys: ["msg_id"], limit: 50, offset: $o) taskHistory(limit: 50, offset: $o) }`,
          { o: offset },
          "reader",
        ),
      ) as { dbQuery: { msg_id: string }[]; taskHistory: string[] };
    const seen = new Set<string>();
    const history: string[] = [];
    for (let offset = 0; offset < 300; offset += 50) {
      const { dbQuery, taskHistory } = await page(offset);
      expect(dbQuery).toHaveLength(50);
      for (const record of dbQuery) seen.add(record.msg_id);
      history.push(...taskHistory);
    }
    expect(seen.size).toBe(300);
    expect(history).toHaveLength(300);
    const whole = expectAnswered(
      await server.post(`{ dbQuery(query: {}, keys: ["msg_id"]) taskHistory }`, undefined, "reader"),
    ) as { dbQuery: unknown[]; taskHistory: string[] };
    expect(whole.dbQuery).toHaveLength(300);
    expect(whole.taskHistory).toEqual(history);
    expectRefused(
      await server.post(`{ taskHistory(limit: -1) }`, undefined, "reader"),
      "BAD_USER_INPUT",
      undefined,
      "negative limit",
    );
  });

  it("changed nothing", async () => {
    expect(await server.snapshot()).toBe(before);
  });
});
