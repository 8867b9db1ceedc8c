/**
 * The compiled SQL as the db layer sees it: one boolean expression, `:prefixN` parameters that TypeORM can find,
 * qualified column names, no user text, sargable typed-column comparisons (checked with the query planner).
 */
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { compileFilter, SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation } from "../../../src/filter";
import { toDriverQuery } from "../../conformance/harness";
import { compile, DIALECTS, TASKS } from "./support";

describe("shape", () => {
  it("{} is 1=1 with no parameters", () => {
    for (const dialect of DIALECTS) expect(compileFilter({}, TASKS, { dialect })).toEqual({ sql: "1=1", params: {} });
  });

  it("a filter that can match nothing is 1=0", () => {
    expect(compile({ msg_id: { $in: [] } })).toEqual({ sql: "1=0", params: {} });
    expect(compile({ header: { $all: [] } }).sql).toBe("1=0");
    expect(compile({ msg_id: { $nin: [] } }).sql).toBe("1=1");
  });

  it("qualifies columns with the table alias, or not", () => {
    expect(compile({ queue: "task" })).toEqual({ sql: `t."queue" = :f0`, params: { f0: "task" } });
    expect(compileFilter({ queue: "task" }, TASKS, { dialect: "sqlite" }).sql).toBe(`"queue" = :f0`);
    expect(compileFilter({ queue: "task" }, TASKS, { dialect: "sqlite", tableAlias: "task record" }).sql).toBe(
      `"task record"."queue" = :f0`,
    );
  });

  it("names parameters with the prefix, so two filters can share a statement", () => {
    const a = compile({ queue: "task", retries: { $gt: 1 } }, { paramPrefix: "a" });
    const b = compile({ queue: "mux" }, { paramPrefix: "b" });
    expect(Object.keys(a.params)).toEqual(["a0", "a1"]);
    expect(Object.keys(b.params)).toEqual(["b0"]);
    expect(a.sql).toBe(`(t."queue" = :a0 AND t."retries" > :a1)`);
  });

  it("reuses one parameter for one value", () => {
    const { sql, params } = compile({ "header.msg_type": "execute_request" });
    expect(Object.values(params).filter((v) => v === "execute_request")).toHaveLength(1);
    expect(sql.match(/:f\d+/g)?.length).toBeGreaterThan(Object.keys(params).length);
  });

  it("keeps both conditions when one field is named twice (two spellings)", () => {
    expect(compile({ msg_id: "a", msgId: "b" })).toEqual({
      sql: `(t."msg_id" = :f0 AND t."msg_id" = :f1)`,
      params: { f0: "a", f1: "b" },
    });
  });

  it("is deterministic", () => {
    const filter = { $or: [{ "header.date": { $gt: "2026" } }, { metadata: { $elemMatch: { a: 1 } } }] };
    for (const dialect of DIALECTS) {
      expect(compileFilter(filter, TASKS, { dialect })).toEqual(compileFilter(filter, TASKS, { dialect }));
    }
  });

  it("keeps typed-column comparisons sargable", () => {
    const filter = { submitted: { $gte: "2026-11-22T12:00:00+02:00", $lt: "2026-11-23T00:00:00Z" } };
    const from = "2026-11-22T10:00:00.000000Z";
    const to = "2026-11-23T00:00:00.000000Z";
    expect(compile(filter)).toEqual({
      sql: `(t."submitted" >= :f0 AND t."submitted" < :f1)`,
      params: { f0: from, f1: to },
    });
    expect(compile(filter, { dialect: "postgres" })).toEqual({
      sql: `(t."submitted" >= CAST(:f0 AS timestamptz) AND t."submitted" < CAST(:f1 AS timestamptz))`,
      params: { f0: from, f1: to },
    });
  });

  it("compares strings in byte order on Postgres, but leaves equality index-friendly", () => {
    expect(compile({ queue: { $gt: "m" } }, { dialect: "postgres" }).sql).toBe(`t."queue" COLLATE "C" > :f0`);
    expect(compile({ queue: "m" }, { dialect: "postgres" }).sql).toBe(`t."queue" = :f0`);
  });

  it("keeps integer columns integer (fractional bounds round, casts are bigint)", () => {
    expect(compile({ retries: { $gt: 1.5 } }, { dialect: "postgres" })).toEqual({
      sql: `t."retries" > CAST(:f0 AS bigint)`,
      params: { f0: 1 },
    });
    expect(compile({ retries: { $gte: 1.5 } }).params).toEqual({ f0: 2 });
  });

  it("binds booleans as 0/1 on SQLite and as booleans on Postgres", () => {
    expect(compile({ stale: true }).params).toEqual({ f0: 1 });
    expect(compile({ stale: true }, { dialect: "postgres" }).params).toEqual({ f0: true });
  });

  it("{f: null} on a typed column is IS NULL; $ne matches NULL", () => {
    expect(compile({ completed: null }).sql).toBe(`t."completed" IS NULL`);
    expect(compile({ completed: { $ne: null } }).sql).toBe(`(NOT t."completed" IS NULL)`);
    expect(compile({ queue: { $ne: "task" } }).sql).toBe(`(NOT COALESCE(t."queue" = :f0, 0))`);
    expect(compile({ queue: { $ne: "task" } }, { dialect: "postgres" }).sql).toBe(
      `(NOT COALESCE(t."queue" = :f0, FALSE))`,
    );
  });

  it("never uses :: casts (TypeORM would read them as parameters)", () => {
    const filter = {
      "header.a.0.b": { $gt: 1, $regex: "x", $size: 2, $mod: [2, 1], $type: "string" },
      metadata: { $elemMatch: { k: { $in: [1, "a", null, [1], { x: 1 }] } } },
    };
    expect(compile(filter, { dialect: "postgres" }).sql).not.toContain("::");
  });
});

describe("user text never reaches SQL", () => {
  const marker = "QZX";
  const text = fc.string({
    unit: fc.constantFrom("'", '"', ":", "f0", ";", "-", "\\", "$", " ", "é", ")", "("),
    maxLength: 8,
  });

  it("in values, keys, patterns and paths", () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const value = `${marker}${a}`;
        const key = `${marker}${b.replaceAll(".", "").replaceAll("$", "")}`;
        const filter = {
          queue: value,
          [`header.${key}`]: { $in: [value, { [key]: value }] },
          engine_uuid: { $regex: value.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&") },
          msg_id: { $glob: value },
        };
        for (const dialect of DIALECTS) {
          const condition = compileFilter(filter, TASKS, { dialect });
          expect(condition.sql).not.toContain(marker);
          // Every parameter the SQL names is bound, and every bound one is named.
          const named = new Set([...condition.sql.matchAll(/:(f\d+)/g)].map((m) => m[1]));
          expect([...named].sort()).toEqual(Object.keys(condition.params).sort());
        }
      }),
      { seed: 99, numRuns: 200 },
    );
  });
});

describe("query plans (SQLite)", () => {
  const db = new Database(":memory:");
  db.function(SQLITE_REGEXP_FUNCTION, { deterministic: true }, sqliteRegexpImplementation);
  db.exec(`CREATE TABLE task (msg_id TEXT PRIMARY KEY, queue TEXT, submitted TEXT, completed TEXT, retries INTEGER,
    duration REAL, stale BOOLEAN, state TEXT, engine_uuid TEXT, client_uuid TEXT, started TEXT, header TEXT,
    metadata TEXT, result_content TEXT)`);
  db.exec(`CREATE INDEX task_submitted ON task (submitted); CREATE INDEX task_queue ON task (queue)`);

  const plan = (filter: unknown): string => {
    const { sql, params } = compile(filter);
    const [query, values] = toDriverQuery("sqlite", `SELECT * FROM task t WHERE ${sql}`, params);
    return (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...values) as { detail: string }[])
      .map((r) => r.detail)
      .join("; ");
  };

  it("uses the index for datetime ranges and equality", () => {
    expect(plan({ submitted: { $gte: "2026-11-22", $lt: "2026-11-23" } })).toMatch(/USING INDEX task_submitted/);
    expect(plan({ queue: "task" })).toMatch(/USING INDEX task_queue/);
    expect(plan({ queue: { $in: ["task", "mux"] } })).toMatch(/USING INDEX task_queue/);
    expect(plan({ queue: "task", "header.msg_type": "x" })).toMatch(/USING INDEX task_queue/);
  });

  it("runs every operator", () => {
    const filter = {
      queue: { $regex: "^t", $options: "i" },
      msg_id: { $glob: "a*" },
      "header.a.0": { $ne: 1, $size: 2, $type: ["string", "null"], $mod: [3, 1], $all: [1] },
      metadata: { $elemMatch: { $or: [{ k: 1 }, { "k.0": { $exists: false } }] } },
    };
    expect(() => plan(filter)).not.toThrow();
  });
});
