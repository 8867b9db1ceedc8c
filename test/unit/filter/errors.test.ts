/**
 * Every way a filter can be wrong (filter.md § Errors): the code, the path inside the filter, and a message a
 * person can act on. Nothing here reaches SQL.
 */
import { describe, expect, it } from "vitest";

import { DEFAULT_FILTER_LIMITS } from "../../../src/filter";
import { compile, rejection } from "./support";

interface ErrorCase {
  readonly filter: unknown;
  readonly path: readonly (string | number)[];
  /** A substring (or pattern) of the message. */
  readonly message: string | RegExp;
  readonly code?: "BAD_USER_INPUT" | "LIMIT_EXCEEDED";
}

const CASES: Record<string, readonly ErrorCase[]> = {
  "the filter itself": [
    { filter: null, path: [], message: 'a filter must be a JSON object such as {} or {"field": value}, got null' },
    { filter: undefined, path: [], message: "got undefined" },
    { filter: [], path: [], message: "got an array" },
    { filter: "msg_id = 1", path: [], message: "got a string" },
    { filter: 42, path: [], message: "got a number" },
  ],
  "unknown fields": [
    {
      filter: { complete: null },
      path: ["complete"],
      message: "unknown field 'complete' on TaskRecord; did you mean 'completed'?",
    },
    { filter: { msg_idd: "x" }, path: ["msg_idd"], message: "did you mean 'msg_id'?" },
    { filter: { msgid: "x" }, path: ["msgid"], message: "did you mean 'msgId'?" },
    {
      filter: { $and: [{ queue: "a" }, { enigne_uuid: "e" }] },
      path: ["$and", 1, "enigne_uuid"],
      message: "did you mean 'engine_uuid'?",
    },
    {
      filter: { zzzzzz: 1 },
      path: ["zzzzzz"],
      message: /unknown field 'zzzzzz' on TaskRecord; fields: msgId, clientUuid, .*resultContent$/,
    },
    {
      filter: { "hedaer.msg_type": "x" },
      path: ["hedaer.msg_type"],
      message: "unknown field 'hedaer' on TaskRecord; did you mean 'header'?",
    },
    {
      filter: { "started.year": 2026 },
      path: ["started.year"],
      message: "field 'started' holds datetimes, not JSON: dotted paths ('started.year') only walk into JSON fields",
    },
    { filter: { "header..x": 1 }, path: ["header..x"], message: "the path 'header..x' has an empty component" },
    { filter: { "header.$x": 1 }, path: ["header.$x"], message: "path components may not start with '$'" },
  ],
  "unknown and unsupported operators": [
    {
      filter: { started: { $gtee: "2026-01-01" } },
      path: ["started", "$gtee"],
      message: "unknown operator '$gtee'; did you mean '$gte'?",
    },
    { filter: { queue: { $regx: "a" } }, path: ["queue", "$regx"], message: "did you mean '$regex'?" },
    { filter: { queue: { $foo: 1 } }, path: ["queue", "$foo"], message: "unknown operator '$foo'" },
    { filter: { $orr: [] }, path: ["$orr"], message: "unknown operator '$orr'; did you mean '$or'?" },
    { filter: { $where: "this.a > 1" }, path: ["$where"], message: "$where (server-side JavaScript) is not supported" },
    {
      filter: { $expr: { $gt: ["$a", 1] } },
      path: ["$expr"],
      message: "$expr (aggregation expressions) is not supported",
    },
    {
      filter: { $text: { $search: "x" } },
      path: ["$text"],
      message: "$text (full-text search) is not supported; use $regex or $glob",
    },
    { filter: { $jsonSchema: {} }, path: ["$jsonSchema"], message: "$jsonSchema is not supported" },
    {
      filter: { header: { $where: "x" } },
      path: ["header", "$where"],
      message: "$where (server-side JavaScript) is not supported",
    },
    { filter: { $not: { queue: "a" } }, path: ["$not"], message: "$not applies to one field" },
    { filter: { $gt: 1 }, path: ["$gt"], message: "$gt applies to a field" },
    { filter: { queue: { $or: [{ $eq: "a" }] } }, path: ["queue", "$or"], message: "$or combines whole filters" },
    {
      filter: { header: { $date: "2026-01-01" } },
      path: ["header"],
      message: '{"$date": …} values are for datetime fields',
    },
    {
      filter: { header: { a: 1, $gt: 2 } },
      path: ["header"],
      message: "an object cannot mix operators and field names ('a')",
    },
  ],
  "logical operators": [
    { filter: { $and: [] }, path: ["$and"], message: "$and needs a non-empty array of filters" },
    { filter: { $or: {} }, path: ["$or"], message: "$or needs a non-empty array of filters" },
    { filter: { $nor: [1] }, path: ["$nor", 0], message: "each $nor entry must be a filter object, got a number" },
    { filter: { $and: [{ $or: [null] }] }, path: ["$and", 0, "$or", 0], message: "got null" },
  ],
  "operator arguments": [
    {
      filter: { queue: { $in: "task" } },
      path: ["queue", "$in"],
      message: "$in takes an array of values, got a string",
    },
    { filter: { queue: { $nin: null } }, path: ["queue", "$nin"], message: "$nin takes an array of values, got null" },
    {
      filter: { queue: { $in: ["a", { $regex: "b" }] } },
      path: ["queue", "$in", 1],
      message: "regular expressions in $in are not supported; use $or with $regex",
    },
    {
      filter: { header: { $size: -1 } },
      path: ["header", "$size"],
      message: "$size takes a non-negative integer, got -1",
    },
    { filter: { header: { $size: 1.5 } }, path: ["header", "$size"], message: "got 1.5" },
    { filter: { header: { $size: "2" } }, path: ["header", "$size"], message: "got 2" },
    { filter: { retries: { $mod: [0, 1] } }, path: ["retries", "$mod"], message: "$mod divisor must not be 0" },
    { filter: { retries: { $mod: [0.5, 0] } }, path: ["retries", "$mod"], message: "$mod divisor must not be 0" },
    {
      filter: { retries: { $mod: [2] } },
      path: ["retries", "$mod"],
      message: "$mod takes [divisor, remainder] (two numbers), got [2]",
    },
    { filter: { retries: { $mod: "2,1" } }, path: ["retries", "$mod"], message: "$mod takes [divisor, remainder]" },
    {
      filter: { completed: { $exists: "yes" } },
      path: ["completed", "$exists"],
      message: "$exists takes true or false, got a string",
    },
    { filter: { completed: { $exists: 2 } }, path: ["completed", "$exists"], message: "$exists takes true or false" },
    {
      filter: { queue: { $not: "task" } },
      path: ["queue", "$not"],
      message: '$not takes an operator expression such as {"$gt": 5} or {"$regex": "…"}, got a string',
    },
    { filter: { queue: { $not: {} } }, path: ["queue", "$not"], message: "$not needs at least one operator" },
    { filter: { header: { $not: { a: 1 } } }, path: ["header", "$not"], message: "$not takes an operator expression" },
    {
      filter: { header: { $type: "boolean" } },
      path: ["header", "$type"],
      message: "unknown $type 'boolean'; did you mean 'bool'?",
    },
    { filter: { header: { $type: "strng" } }, path: ["header", "$type"], message: "did you mean 'string'?" },
    {
      filter: { header: { $type: "int" } },
      path: ["header", "$type"],
      message: "JSON has one number type: use $type 'number' instead of 'int'",
    },
    { filter: { header: { $type: 2 } }, path: ["header", "$type"], message: "$type takes type names" },
    { filter: { header: { $type: ["string", "nul"] } }, path: ["header", "$type", 1], message: "did you mean 'null'?" },
    { filter: { header: { $type: [] } }, path: ["header", "$type"], message: "$type needs at least one type name" },
    { filter: { header: { $all: "x" } }, path: ["header", "$all"], message: "$all takes an array of values" },
    {
      filter: { header: { $all: [{ $elemMatch: { a: 1 } }, 2] } },
      path: ["header", "$all"],
      message: "either values or {$elemMatch: …} entries",
    },
    { filter: { header: { $all: [{ $gt: 1 }] } }, path: ["header", "$all", 0], message: "$all takes values" },
    {
      filter: { header: { $elemMatch: 5 } },
      path: ["header", "$elemMatch"],
      message: "$elemMatch takes an object, got a number",
    },
    {
      filter: { header: { $elemMatch: { $gt: 1, a: 2 } } },
      path: ["header", "$elemMatch"],
      message: "not both ('$gt')",
    },
    {
      filter: { header: { $elemMatch: { a: { $gtt: 1 } } } },
      path: ["header", "$elemMatch", "a", "$gtt"],
      message: "did you mean '$gt'?",
    },
    {
      filter: { header: { $gt: [1] } },
      path: ["header", "$gt"],
      message: "range operators compare numbers, strings or booleans, got an array",
    },
    {
      filter: { header: { $lt: { a: 1 } } },
      path: ["header", "$lt"],
      message: "got an object (arrays and documents are not ordered)",
    },
    {
      filter: { header: { $gt: { $date: "2026-01-01" } } },
      path: ["header", "$gt"],
      message: "JSON values hold no dates",
    },
    {
      filter: { header: { $eq: { a: { $b: 1 } } } },
      path: ["header", "$eq", "a"],
      message: "field names inside values may not start with '$' ('$b')",
    },
    {
      filter: { header: [1, { x: Number.NaN }] },
      path: ["header", 1, "x"],
      message: "numbers must be finite, got NaN",
    },
    { filter: { header: new Date(0) }, path: ["header"], message: "JSON values hold no dates" },
    { filter: { header: { $eq: undefined } }, path: ["header", "$eq"], message: "undefined is not a JSON value" },
  ],
  "$regex and $glob": [
    {
      filter: { queue: { $regex: 5 } },
      path: ["queue", "$regex"],
      message: "$regex takes a pattern string, got a number",
    },
    {
      filter: { queue: { $regex: "(" } },
      path: ["queue", "$regex"],
      message: "invalid $regex /(/: missing ')' in pattern",
    },
    { filter: { queue: { $regex: "a)" } }, path: ["queue", "$regex"], message: "unmatched ')'" },
    { filter: { queue: { $regex: "[a" } }, path: ["queue", "$regex"], message: "missing ']'" },
    { filter: { queue: { $regex: "*a" } }, path: ["queue", "$regex"], message: "'*' has nothing to repeat" },
    {
      filter: { queue: { $regex: "(?<=a)b" } },
      path: ["queue", "$regex"],
      message: "lookbehind (?<=…) / (?<!…) is not supported",
    },
    {
      filter: { queue: { $regex: "(a)\\1" } },
      path: ["queue", "$regex"],
      message: "back-references and octal escapes (\\1) are not supported",
    },
    { filter: { queue: { $regex: "(?<n>a)" } }, path: ["queue", "$regex"], message: "named groups are not supported" },
    { filter: { queue: { $regex: "(?i)a" } }, path: ["queue", "$regex"], message: "use $options" },
    { filter: { queue: { $regex: "a*+" } }, path: ["queue", "$regex"], message: "possessive quantifiers" },
    { filter: { queue: { $regex: "(?>a)" } }, path: ["queue", "$regex"], message: "atomic groups" },
    { filter: { queue: { $regex: "\\p{L}" } }, path: ["queue", "$regex"], message: "the escape \\p is not supported" },
    { filter: { queue: { $regex: "[[:alpha:]]" } }, path: ["queue", "$regex"], message: "POSIX classes" },
    { filter: { queue: { $regex: "[\\D]" } }, path: ["queue", "$regex"], message: "\\D inside [...] is not supported" },
    { filter: { queue: { $regex: "a{256}" } }, path: ["queue", "$regex"], message: "repetition counts above 255" },
    { filter: { queue: { $regex: "a{3,2}" } }, path: ["queue", "$regex"], message: "bounds the wrong way round" },
    { filter: { queue: { $regex: "a(?=b)" } }, path: ["queue", "$regex"], message: "lookahead" },
    { filter: { queue: { $regex: "a$b" } }, path: ["queue", "$regex"], message: "'$' must end the pattern" },
    { filter: { queue: { $regex: "(a{1,255}){1,255}b" } }, path: ["queue", "$regex"], message: "multiply" },
    { filter: { queue: { $regex: "(?:[a-z]{1,200}x{1,200}){1,5}" } }, path: ["queue", "$regex"], message: "expands" },
    { filter: { queue: { $regex: "[z-a]" } }, path: ["queue", "$regex"], message: "invalid range z-a" },
    { filter: { queue: { $regex: "a\\" } }, path: ["queue", "$regex"], message: "pattern ends with a backslash" },
    { filter: { queue: { $regex: "\\u0041" } }, path: ["queue", "$regex"], message: "write \\x{hhhh}" },
    { filter: { queue: { $regex: "(*UCP)a" } }, path: ["queue", "$regex"], message: "PCRE verbs" },
    {
      filter: { queue: { $regex: "a".repeat(1001) } },
      path: ["queue", "$regex"],
      message: "longer than 1000 characters",
    },
    {
      filter: { queue: { $regex: "a", $options: "g" } },
      path: ["queue", "$options"],
      message: "unknown $options flag 'g'; use i, m, s or x",
    },
    {
      filter: { queue: { $regex: "a", $options: 1 } },
      path: ["queue", "$options"],
      message: "$options takes a string of flags",
    },
    {
      filter: { queue: { $options: "i" } },
      path: ["queue", "$options"],
      message: "$options needs a $regex next to it",
    },
    {
      filter: { queue: { $glob: ["*"] } },
      path: ["queue", "$glob"],
      message: "$glob takes a pattern string, got an array",
    },
    {
      filter: { queue: { $glob: "[z-a]" } },
      path: ["queue", "$glob"],
      message: "invalid $glob '[z-a]': invalid range z-a in glob",
    },
    {
      filter: { started: { $regex: "^2026" } },
      path: ["started", "$regex"],
      message: "$regex applies to strings; field 'started' holds datetimes",
    },
    {
      filter: { retries: { $glob: "1*" } },
      path: ["retries", "$glob"],
      message: "$glob applies to strings; field 'retries' holds integers",
    },
  ],
  "typed columns": [
    { filter: { queue: 5 }, path: ["queue"], message: "field 'queue' holds strings, got a number" },
    {
      filter: { queue: { $in: ["a", true] } },
      path: ["queue", "$in", 1],
      message: "field 'queue' holds strings, got a boolean",
    },
    { filter: { queue: ["a"] }, path: ["queue"], message: "field 'queue' holds strings, got an array" },
    { filter: { queue: { a: 1 } }, path: ["queue"], message: "field 'queue' holds strings, got an object" },
    { filter: { retries: "3" }, path: ["retries"], message: "field 'retries' holds integers, got a string" },
    {
      filter: { retries: 2 ** 60 },
      path: ["retries"],
      message: "field 'retries' compares integers up to ±9007199254740991",
    },
    {
      filter: { duration: { $gt: "1.5" } },
      path: ["duration", "$gt"],
      message: "field 'duration' holds numbers, got a string",
    },
    { filter: { stale: 1 }, path: ["stale"], message: "field 'stale' holds booleans, got a number" },
    {
      filter: { started: "yesterday" },
      path: ["started"],
      message:
        '\'yesterday\' is not a valid datetime for field \'started\'; use ISO-8601 such as "2026-11-22T10:00:00Z" or {"$date": "…"}',
    },
    {
      filter: { started: { $gte: "2026-02-31T00:00:00Z" } },
      path: ["started", "$gte"],
      message: "'2026-02-31T00:00:00Z' is not a valid datetime",
    },
    {
      filter: { started: { $lt: { $date: "nope" } } },
      path: ["started", "$lt"],
      message: "is not a valid datetime for field 'started'",
    },
    { filter: { started: 1795341600000 }, path: ["started"], message: "field 'started' holds datetimes, got a number" },
    {
      filter: { state: "DOEN" },
      path: ["state"],
      message:
        "'DOEN' is not a valid value of field 'state'; did you mean 'DONE'? (valid values: PENDING, RUNNING, DONE)",
    },
    {
      filter: { state: { $nin: ["PENDING", "done"] } },
      path: ["state", "$nin", 1],
      message: "(valid values: PENDING, RUNNING, DONE)",
    },
    {
      filter: { queue: { $size: 1 } },
      path: ["queue", "$size"],
      message: "$size applies to JSON arrays; field 'queue' holds strings",
    },
    {
      filter: { state: { $elemMatch: { $eq: "DONE" } } },
      path: ["state", "$elemMatch"],
      message: "field 'state' holds one of PENDING, RUNNING, DONE",
    },
    {
      filter: { queue: { $mod: [2, 0] } },
      path: ["queue", "$mod"],
      message: "$mod applies to numbers; field 'queue' holds strings",
    },
  ],
  limits: [
    {
      filter: { $and: [{ $and: [{ $and: [{ queue: "a" }] }] }] },
      path: ["$and", 0, "$and", 0, "$and"],
      message: "the filter nests deeper than 2 levels",
      code: "LIMIT_EXCEEDED",
    },
    {
      filter: { header: { $not: { $not: { $elemMatch: { $eq: 1 } } } } },
      path: ["header", "$not", "$not", "$elemMatch"],
      message: "nests deeper than 2 levels",
      code: "LIMIT_EXCEEDED",
    },
    {
      filter: { queue: { $in: ["a", "b", "c", "d", "e"] } },
      path: ["queue", "$in", 4],
      message: "the filter has more than 4 conditions",
      code: "LIMIT_EXCEEDED",
    },
    {
      filter: { header: { a: [1, 2, 3, 4] } },
      path: ["header", "a", 2],
      message: "more than 4 conditions",
      code: "LIMIT_EXCEEDED",
    },
  ],
};

const TIGHT = { limits: { maxDepth: 2, maxNodes: 4 } };

describe.each(Object.entries(CASES))("%s", (group, cases) => {
  it.each(cases.map((c) => [JSON.stringify(c.filter) ?? String(c.filter), c] as const))("%s", (_name, c) => {
    const error = rejection(c.filter, group === "limits" ? TIGHT : {});
    expect(error.code).toBe(c.code ?? "BAD_USER_INPUT");
    expect(error.filterPath).toEqual(c.path);
    if (typeof c.message === "string") expect(error.message).toContain(c.message);
    else expect(error.message).toMatch(c.message);
    // A caller never sees SQL.
    expect(error.message).not.toMatch(/json_|jsonb|CAST\(|SELECT/);
  });
});

describe("default limits", () => {
  it("allow the documented sizes and stop just above them", () => {
    const nested = (depth: number): Record<string, unknown> =>
      depth === 0 ? { queue: "a" } : { $or: [nested(depth - 1)] };
    expect(() => compile(nested(DEFAULT_FILTER_LIMITS.maxDepth))).not.toThrow();
    const tooDeep = rejection(nested(DEFAULT_FILTER_LIMITS.maxDepth + 1));
    expect(tooDeep.code).toBe("LIMIT_EXCEEDED");
    expect(tooDeep.extensions).toMatchObject({ limit: "maxDepth", maximum: DEFAULT_FILTER_LIMITS.maxDepth });

    const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `id-${i}`);
    expect(() => compile({ msg_id: { $in: ids(DEFAULT_FILTER_LIMITS.maxNodes) } })).not.toThrow();
    const tooMany = rejection({ msg_id: { $in: ids(DEFAULT_FILTER_LIMITS.maxNodes + 1) } });
    expect(tooMany.code).toBe("LIMIT_EXCEEDED");
    expect(tooMany.extensions).toMatchObject({ limit: "maxNodes", maximum: DEFAULT_FILTER_LIMITS.maxNodes });
  });

  it("bound paths and literal nesting", () => {
    const longPath = rejection({ [`header.${Array(17).fill("a").join(".")}`]: 1 });
    expect(longPath.code).toBe("LIMIT_EXCEEDED");
    expect(longPath.extensions).toMatchObject({ limit: "pathComponents" });
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const deepValue = rejection({ header: deep });
    expect(deepValue.code).toBe("LIMIT_EXCEEDED");
    expect(deepValue.extensions).toMatchObject({ limit: "valueDepth" });
  });

  it("reject a filter before building any SQL, whatever its size", () => {
    const huge = { $or: Array.from({ length: 100_000 }, (_, i) => ({ queue: `q${i}` })) };
    expect(rejection(huge).code).toBe("LIMIT_EXCEEDED");
  });
});

describe("programming errors are not user errors", () => {
  it("a paramPrefix TypeORM could not find", () => {
    expect(() => compile({ queue: "a" }, { paramPrefix: "f-" })).toThrow(/paramPrefix/);
  });
});
