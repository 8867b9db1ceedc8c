/**
 * The condition builder names its own parameters, so a filter, a keyset condition and named filters combine in one
 * statement without collisions; constants fold, so emptiness is known without SQL.
 */
import { describe, expect, it } from "vitest";

import { compileFilter, prepareFilter } from "../../../src/filter";
import {
  and,
  FALSE,
  filterCondition,
  inList,
  not,
  or,
  SqlParams,
  sqlCondition,
  TRUE,
} from "../../../src/services/sql/condition";
import { TASKS } from "../filter/support";

const render = (condition: ReturnType<typeof and>) => {
  const q = new SqlParams();
  return { sql: condition.toSql(q), params: q.values };
};

describe("SqlParams and conditions", () => {
  it("numbers every parameter of a statement, whoever binds it", () => {
    const filter = filterCondition(prepareFilter({ queue: "task", retries: { $gt: 1 } }, TASKS, { dialect: "sqlite" }));
    const named = inList(`t."state"`, ["A", "B", "A"]);
    const own = sqlCondition((q) => `t."x" = ${q.bind(7)}`);
    expect(render(and(filter, named, own))).toEqual({
      sql: `((t."queue" = :p0 AND t."retries" > :p1)) AND (t."state" IN (:...p2)) AND (t."x" = :p3)`,
      params: { p0: "task", p1: 1, p2: ["A", "B"], p3: 7 },
    });
  });

  it("folds constants: TRUE drops out of AND and decides OR; FALSE the other way round", () => {
    const x = sqlCondition(() => "x");
    expect(and(TRUE, x)).toBe(x);
    expect(and(FALSE, x)).toBe(FALSE);
    expect(or(TRUE, x)).toBe(TRUE);
    expect(or(FALSE, x)).toBe(x);
    expect(and()).toBe(TRUE);
    expect(not(TRUE)).toBe(FALSE);
    expect(inList("c", null)).toBe(TRUE);
    expect(inList("c", [])).toBe(FALSE);
  });

  it("a filter that normalises to no condition matches everything, whatever its keys", () => {
    for (const filter of [
      {},
      { $comment: "x" },
      { $and: [{}] },
      { $or: [{}, { queue: "a" }] },
      { queue: { $nin: [] } },
    ]) {
      expect(prepareFilter(filter, TASKS, { dialect: "sqlite" }).matchesEverything, JSON.stringify(filter)).toBe(true);
      expect(compileFilter(filter, TASKS, { dialect: "postgres" }).matchesEverything).toBe(true);
      expect(filterCondition(prepareFilter(filter, TASKS, { dialect: "sqlite" }))).toBe(TRUE);
    }
    for (const filter of [{ queue: "a" }, { $nor: [{}] }, { queue: { $in: [] } }]) {
      expect(prepareFilter(filter, TASKS, { dialect: "sqlite" }).matchesEverything, JSON.stringify(filter)).toBe(false);
    }
    expect(prepareFilter({ queue: { $in: [] } }, TASKS, { dialect: "sqlite" }).matchesNothing).toBe(true);
  });
});
