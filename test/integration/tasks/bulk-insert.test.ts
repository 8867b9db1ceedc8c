/**
 * A large `addTaskRecords` batch is cut into several INSERTs that are pipelined: each is encoded while the one before
 * it runs (src/services/sql/rows.ts). On both stores: the batch keeps its order across statements, and a failure in
 * a later statement leaves nothing of the batch behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ROWS_PER_INSERT } from "../../../src/services/sql";
import { DIALECTS } from "../../support/databases";
import { countStatements, startTestGateway, type TestGateway } from "../../support/gateway";

const ADD = `mutation Add($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }`;
const COUNT = `query C($f: Filter) { taskRecords(filter: $f, first: 1) { totalCount } }`;
/** More than three statements' worth, the last one partial. */
const BATCH = 3 * ROWS_PER_INSERT + 7;

const id = (prefix: string, i: number) => `${prefix}-${String(i).padStart(5, "0")}`;
/** Ids whose text order is the reverse of the batch's order, so insertion order cannot come from the key. */
const batch = (prefix: string) =>
  Array.from({ length: BATCH }, (_, i) => ({ msgId: id(prefix, BATCH - i), queue: prefix }));

describe.each(DIALECTS)("a large batch of task records on %s", (dialect) => {
  let gw: TestGateway;
  const stored = async (queue: string) =>
    (await gw.ok<{ taskRecords: { totalCount: number } }>(COUNT, { f: { queue } })).taskRecords.totalCount;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
  });
  afterAll(() => gw?.close());

  it("is written by several INSERTs, in the batch's order", async () => {
    const records = batch("ordered");
    const { result, statements } = await countStatements(gw.services, () => gw.ok(ADD, { records }));
    expect((result as { addTaskRecords: unknown[] }).addTaskRecords).toHaveLength(BATCH);
    expect(statements.filter((sql) => sql.startsWith(`INSERT INTO "task_records"`))).toHaveLength(4);
    // dbQuery answers in insertion order (the store's seq), as the Hub's SQLiteDB does.
    const { dbQuery } = await gw.ok<{ dbQuery: { msg_id: string }[] }>(
      `query Q($q: Filter!) { dbQuery(query: $q, keys: ["msg_id"]) }`,
      { q: { queue: "ordered" } },
    );
    expect(dbQuery.map((row) => row.msg_id)).toEqual(records.map((record) => record.msgId));
  });

  it("leaves nothing behind when a later statement fails", async () => {
    await gw.ok(ADD, { records: [{ msgId: "known", queue: "known" }] });
    const records = batch("refused");
    // The last statement's record repeats a stored id: only the store's unique key can tell.
    records[BATCH - 2] = { msgId: "known", queue: "refused" };
    const result = await gw.gql(ADD, { records });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "DUPLICATE_ID",
      msgIds: ["known"],
    });
    expect(await stored("refused")).toBe(0);
    // The store takes the same batch once the clash is gone: no statement of the refused one is left over.
    records[BATCH - 2] = { msgId: "was-known", queue: "refused" };
    await gw.ok(ADD, { records });
    expect(await stored("refused")).toBe(BATCH);
  });
});
