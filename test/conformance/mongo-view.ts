/**
 * A hubql filter as MongoDB (mingo, the reference) would be given it over the same records: GraphQL/seed
 * aliases become the record's field names, datetime operands become Dates (Mongo stores BSON dates; mingo
 * compares JS Dates), IPython's `$ge`/`$le` become `$gt`/`$lt`, and for mingo `$glob` becomes the anchored
 * `$regex` ipyparallel's Mongo backend sends (mingo has no `$glob`).
 */
import { Query } from "mingo";

import { instantMillis, parseInstant } from "../../src/dialect";
import { THINGS, type Thing } from "./harness";
import { referenceMatches } from "./mongo-reference";

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
const isOperatorObject = (v: unknown): v is Doc =>
  isObject(v) && Object.keys(v).length > 0 && Object.keys(v).some((k) => k.startsWith("$")) && !("$date" in v);

const LOGICAL = ["$and", "$or", "$nor"];

const canonicalName = new Map<string, string>();
for (const field of THINGS.fields) {
  canonicalName.set(field.name, field.name);
  for (const alias of field.aliases) canonicalName.set(alias, field.name);
}
const DATETIME_FIELDS = new Set(THINGS.fields.filter((f) => f.kind === "datetime").map((f) => f.name));

/** Python fnmatch.translate, independently of the compiler's translation. */
export function globToRegexSource(glob: string): string {
  const p = Array.from(glob);
  let out = "^";
  let i = 0;
  while (i < p.length) {
    const c = p[i++] ?? "";
    if (c === "*") out += "[\\s\\S]*";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "[") {
      let j = i;
      if (p[j] === "!") j++;
      if (p[j] === "]") j++;
      while (j < p.length && p[j] !== "]") j++;
      if (j >= p.length) {
        out += "\\[";
      } else {
        let stuff = p.slice(i, j).join("");
        i = j + 1;
        const negated = stuff.startsWith("!");
        if (negated) stuff = stuff.slice(1);
        out += `[${negated ? "^" : ""}${stuff.replace(/[\\\]^[]/g, "\\$&")}]`;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return `${out}$`;
}

/** mingo compares JS Dates (milliseconds): the fixture and the generated operands have no finer digits. */
function instant(value: unknown): unknown {
  const parsed = parseInstant(value);
  return parsed ? new Date(instantMillis(parsed)) : value;
}

function datetimeCondition(condition: unknown): unknown {
  if (!isOperatorObject(condition)) return condition === null ? null : instant(condition);
  const out: Doc = {};
  for (const [op, arg] of Object.entries(condition)) {
    if (["$in", "$nin", "$all"].includes(op) && Array.isArray(arg)) {
      out[op] = arg.map((v) => (v === null ? null : instant(v)));
    } else if (op === "$not") out[op] = datetimeCondition(arg);
    else if (["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$ge", "$le"].includes(op)) {
      out[op] = arg === null ? null : instant(arg);
    } else out[op] = arg;
  }
  return out;
}

function operators(condition: unknown, forMingo: boolean): unknown {
  if (Array.isArray(condition)) return condition.map((c) => operators(c, forMingo));
  if (!isObject(condition)) return condition;
  const out: Doc = {};
  for (const [key, value] of Object.entries(condition)) {
    if (key === "$ge") out["$gt"] = operators(value, forMingo);
    else if (key === "$le") out["$lt"] = operators(value, forMingo);
    else if (key === "$glob" && forMingo) out["$regex"] = globToRegexSource(value as string);
    else if (key === "$elemMatch") {
      const valueForm = isObject(value) && Object.keys(value).every((k) => k.startsWith("$") && !LOGICAL.includes(k));
      out[key] = valueForm ? operators(value, forMingo) : view(value as Doc, forMingo, false);
    } else out[key] = key.startsWith("$") ? operators(value, forMingo) : value;
  }
  return out;
}

function view(filter: Doc, forMingo: boolean, top: boolean): Doc {
  const entries: [string, unknown][] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (key === "$and" || key === "$or" || key === "$nor") {
      entries.push([key, (condition as Doc[]).map((f) => view(f, forMingo, top))]);
      continue;
    }
    if (!top) {
      entries.push([key, operators(condition, forMingo)]);
      continue;
    }
    const [head = "", ...rest] = key.split(".");
    const name = canonicalName.get(head) ?? head;
    const converted = DATETIME_FIELDS.has(name) ? datetimeCondition(condition) : condition;
    entries.push([[name, ...rest].join("."), operators(converted, forMingo)]);
  }
  // `{msg_id: …, msgId: …}` names one field twice: both conditions hold, so keep both.
  const keys = entries.map(([k]) => k);
  if (new Set(keys).size < keys.length) return { $and: entries.map(([k, v]) => ({ [k]: v })) };
  return Object.fromEntries(entries);
}

/** The filter MongoDB would run (for the reference) or mingo (`forMingo`: `$glob` → `$regex`). */
export function mongoFilter(filter: Doc, forMingo = false): Doc {
  return view(filter, forMingo, true);
}

/** Ids of `things` matching `filter` according to mingo. */
export function mingoIds(things: readonly Thing[], filter: Doc): number[] {
  const query = new Query(mongoFilter(filter, true));
  return things.filter((t) => query.test(t as unknown as Doc)).map((t) => t.id);
}

/**
 * Ids of `things` matching `filter` according to the manual (mongo-reference.ts). `keyOrder: false` for
 * Postgres, whose jsonb cannot see embedded-document field order (its one documented deviation).
 */
export function referenceIds(things: readonly Thing[], filter: Doc, keyOrder = true): number[] {
  const mongo = mongoFilter(filter);
  return things.filter((t) => referenceMatches(t as unknown as Doc, mongo, keyOrder)).map((t) => t.id);
}
