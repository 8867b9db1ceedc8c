/**
 * MongoDB 8 `find()` matching as the MongoDB manual (and the classic matcher it documents) defines it, in plain
 * JS over plain objects: the executable statement of what the SQL must return. It shares no code with the
 * compiler. `mingo` is the independent reference; this one exists because mingo departs from the manual in a few
 * places (listed in `MINGO_DEVIATIONS` in conformance.test.ts), and the manual wins.
 *
 * Records: an absent key is missing (SQL NULL in a typed column); datetime columns hold `Date`s.
 */

const MISSING = Symbol("missing");

/** A value a path reaches; `positional` ones (named by an array index at the end) are not expanded. */
interface Candidate {
  readonly value: unknown;
  readonly positional?: boolean;
}

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

const arrayIndex = (component: string): number | null =>
  /^(0|[1-9][0-9]{0,8})$/.test(component) ? Number(component) : null;

const own = (obj: Doc, key: string): unknown => (Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : MISSING);

/**
 * The values a path reaches (manual: "Query on Embedded/Nested Documents", "Query an Array of Embedded
 * Documents"; the classic matcher's BSONElementIterator): objects are entered; arrays are scanned, entering their
 * object elements with the same key (other elements are skipped) and, for a numeric component, also taking the
 * element at that position (yielded as is at the end of the path; walked on only if it is an object or array);
 * anything else yields missing.
 */
function candidates(value: unknown, path: readonly string[]): Candidate[] {
  const [key, ...rest] = path;
  if (key === undefined) return [{ value }];
  if (isObject(value)) return candidates(own(value, key), rest);
  if (Array.isArray(value)) {
    const position = arrayIndex(key);
    const out: Candidate[] = [];
    value.forEach((element: unknown, i) => {
      if (isObject(element)) out.push(...candidates(own(element, key), rest));
      if (position === i) {
        if (rest.length === 0) out.push({ value: element, positional: true });
        else if (isObject(element) || Array.isArray(element)) out.push(...candidates(element, rest));
      }
    });
    return out;
  }
  return [{ value: MISSING }];
}

/** Paths inside `$elemMatch` start at an element read as a document (an array is a document keyed "0", "1" …). */
function documentCandidates(doc: unknown, path: readonly string[]): Candidate[] {
  const [key, ...rest] = path;
  if (key === undefined) return [{ value: doc }];
  if (Array.isArray(doc)) {
    const position = arrayIndex(key);
    return candidates(position !== null && position < doc.length ? doc[position] : MISSING, rest);
  }
  return isObject(doc) ? candidates(own(doc, key), rest) : [{ value: MISSING }];
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return "date";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "bool";
    default:
      return "object";
  }
}

/**
 * Whether embedded documents compare with their field order (Mongo: yes). The Postgres dialect documents one
 * deviation, jsonb forgets key order; its conformance runs set this to false.
 */
let orderedKeys = true;

/** BSON equality: same type, numbers numerically, arrays in order, documents field by field in order. */
export function bsonEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => bsonEqual(x, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    if (!orderedKeys) return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && bsonEqual(a[k], b[k]));
    return ka.every((k, i) => k === kb[i] && bsonEqual(a[k], b[k]));
  }
  return a === b;
}

/** UTF-8 byte order (what Mongo's simple collation, SQLite BINARY and Postgres "C" use). */
function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Type-bracketed comparison: undefined when the two values are not comparable. */
function order(a: unknown, b: unknown): number | undefined {
  if (typeName(a) !== typeName(b)) return undefined;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  return undefined;
}

/** Python fnmatch.fnmatchcase, written as a matcher (not a regex translation). */
export function fnmatch(name: string, pattern: string): boolean {
  const s = Array.from(name);
  const p = Array.from(pattern);
  const memo = new Map<string, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (j === p.length) result = i === s.length;
    else if (p[j] === "*") result = match(i, j + 1) || (i < s.length && match(i + 1, j));
    else if (i === s.length) result = false;
    else if (p[j] === "?") result = match(i + 1, j + 1);
    else if (p[j] === "[") {
      let k = j + 1;
      if (p[k] === "!") k++;
      if (p[k] === "]") k++;
      while (k < p.length && p[k] !== "]") k++;
      if (k >= p.length) {
        result = s[i] === "[" && match(i + 1, j + 1);
      } else {
        let members = p.slice(j + 1, k);
        const negated = members[0] === "!";
        if (negated) members = members.slice(1);
        let hit = false;
        const c = s[i] ?? "";
        for (let m = 0; m < members.length; m++) {
          const from = members[m] ?? "";
          const to = members[m + 2];
          if (members[m + 1] === "-" && to !== undefined) {
            if (
              (c.codePointAt(0) ?? 0) >= (from.codePointAt(0) ?? 0) &&
              (c.codePointAt(0) ?? 0) <= (to.codePointAt(0) ?? 0)
            )
              hit = true;
            m += 2;
          } else if (c === from) {
            hit = true;
          }
        }
        result = hit !== negated && match(i + 1, k + 1);
      }
    } else result = s[i] === p[j] && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** PCRE extended mode: unescaped white space and #-comments outside classes are not part of the pattern. */
function extended(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? "";
    if (c === "\\") {
      out += c + (pattern[i + 1] ?? "");
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
      out += c;
    } else if (c === "[") {
      inClass = true;
      out += c;
    } else if (c === "#") {
      while (i < pattern.length && pattern[i] !== "\n") i++;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

/**
 * A PCRE pattern as a JS RegExp. The one PCRE rule JS lacks that the fixture can reach: without `m`, `$` also
 * matches before a final newline (PCRE2 default, no DOLLAR_ENDONLY).
 */
function regexOf(pattern: string, options: string): RegExp {
  let source = options.includes("x") ? extended(pattern) : pattern;
  pattern = source;
  if (!options.includes("m")) {
    source = "";
    let inClass = false;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i] ?? "";
      if (c === "\\") {
        source += c + (pattern[i + 1] ?? "");
        i++;
      } else if (inClass) {
        if (c === "]") inClass = false;
        source += c;
      } else if (c === "[") {
        inClass = true;
        source += c;
        if (pattern[i + 1] === "^") source += pattern[++i] ?? "";
        if (pattern[i + 1] === "]") source += pattern[++i] ?? "";
      } else source += c === "$" ? "(?=\\n?$)" : c;
    }
  }
  return new RegExp(source, [...options].filter((o) => "ims".includes(o)).join(""));
}

const isOperatorObject = (v: unknown): v is Doc =>
  isObject(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith("$"));

/** A test on one value, no array expansion (Mongo's `matchesSingleElement`). */
type Predicate = (v: unknown) => boolean;

/** Some candidate satisfies `test`; array candidates also through their elements when `expand`. */
function some(cands: readonly Candidate[], test: Predicate, expand: boolean, onMissing = false): boolean {
  return cands.some(({ value, positional }) =>
    value === MISSING
      ? onMissing
      : test(value) || (expand && !positional && Array.isArray(value) && value.some((e: unknown) => test(e))),
  );
}

function rangeTest(op: string, operand: unknown): Predicate {
  return (v) => {
    const o = order(v, operand);
    if (o === undefined) return false;
    switch (op) {
      case "$gt":
        return o > 0;
      case "$gte":
        return o >= 0;
      case "$lt":
        return o < 0;
      default:
        return o <= 0;
    }
  };
}

/** The leaf predicate of one operator, plus how it treats arrays and missing (path level). */
function operator(op: string, arg: unknown, siblings: Doc): { test: Predicate; expand: boolean; onMissing: boolean } {
  switch (op) {
    case "$eq":
      return { test: (v) => bsonEqual(v, arg), expand: true, onMissing: arg === null };
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      if (arg === null) {
        // Manual: $gte/$lte null match null and missing like $eq null; $gt/$lt null match nothing.
        return op === "$gte" || op === "$lte"
          ? { test: (v) => v === null, expand: true, onMissing: true }
          : { test: () => false, expand: false, onMissing: false };
      }
      return { test: rangeTest(op, arg), expand: true, onMissing: false };
    case "$in": {
      const list = arg as unknown[];
      return { test: (v) => list.some((x) => bsonEqual(v, x)), expand: true, onMissing: list.includes(null) };
    }
    case "$regex": {
      const re = regexOf(arg as string, (siblings["$options"] as string | undefined) ?? "");
      return { test: (v) => typeof v === "string" && re.test(v), expand: true, onMissing: false };
    }
    case "$glob":
      return { test: (v) => typeof v === "string" && fnmatch(v, arg as string), expand: true, onMissing: false };
    case "$size":
      return { test: (v) => Array.isArray(v) && v.length === arg, expand: false, onMissing: false };
    case "$type": {
      const types = (Array.isArray(arg) ? arg : [arg]) as string[];
      return { test: (v) => types.includes(typeName(v)), expand: true, onMissing: false };
    }
    case "$mod": {
      const [d, r] = (arg as number[]).map(Math.trunc) as [number, number];
      // Manual: the field value is truncated toward zero (and must fit 64 bits); non-numbers never match.
      const fits = (v: number): boolean => Math.trunc(v) >= -(2 ** 63) && Math.trunc(v) < 2 ** 63;
      return {
        test: (v) => typeof v === "number" && fits(v) && Math.trunc(v) % d === r,
        expand: true,
        onMissing: false,
      };
    }
    case "$elemMatch":
      return {
        test: (v) => Array.isArray(v) && v.some((e: unknown) => elemMatches(e, arg as Doc)),
        expand: false,
        onMissing: false,
      };
    default:
      throw new Error(`reference: unsupported leaf ${op}`);
  }
}

function elemMatches(element: unknown, spec: Doc): boolean {
  const keys = Object.keys(spec);
  const valueForm = keys.length > 0 && keys.every((k) => k.startsWith("$") && !["$and", "$or", "$nor"].includes(k));
  if (valueForm) return valueMatches(element, spec);
  return (isObject(element) || Array.isArray(element)) && matchesDocument(element, spec, true);
}

/** Operators applied to one value (inside `$elemMatch`): no path, no expansion, never missing. */
function valueMatches(value: unknown, ops: Doc): boolean {
  return Object.entries(ops).every(([op, arg]) => {
    switch (op) {
      case "$options":
        return true;
      case "$ne":
        return !valueMatches(value, { $eq: arg });
      case "$nin":
        return !valueMatches(value, { $in: arg });
      case "$not":
        return !valueMatches(value, arg as Doc);
      case "$exists":
        return Boolean(arg);
      case "$all":
        return (arg as unknown[]).length > 0 && (arg as unknown[]).every((x) => valueMatches(value, { $eq: x }));
      default:
        return operator(normalise(op), arg, ops).test(value);
    }
  });
}

const normalise = (op: string): string => (op === "$ge" ? "$gt" : op === "$le" ? "$lt" : op);

/** A field condition over the candidates of its path. */
function conditionMatches(cands: readonly Candidate[], condition: unknown): boolean {
  if (!isOperatorObject(condition) || Object.keys(condition).every((k) => k === "$date")) {
    return some(cands, (v) => bsonEqual(v, condition), true, condition === null);
  }
  return Object.entries(condition).every(([rawOp, arg]) => {
    const op = normalise(rawOp);
    switch (op) {
      case "$options":
        return true;
      case "$ne":
        return !conditionMatches(cands, { $eq: arg });
      case "$nin":
        return !conditionMatches(cands, { $in: arg });
      case "$not":
        return !conditionMatches(cands, arg);
      case "$exists":
        return cands.some((c) => c.value !== MISSING) === Boolean(arg);
      case "$all": {
        const items = arg as unknown[];
        if (items.length === 0) return false;
        return items.every((item) =>
          isObject(item) && "$elemMatch" in item
            ? conditionMatches(cands, item)
            : conditionMatches(cands, { $eq: item }),
        );
      }
      default: {
        const { test, expand, onMissing } = operator(op, arg, condition);
        return some(cands, test, expand, onMissing);
      }
    }
  });
}

function matchesDocument(doc: unknown, filter: Doc, element: boolean): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    switch (key) {
      case "$and":
        return (condition as Doc[]).every((f) => matchesDocument(doc, f, element));
      case "$or":
        return (condition as Doc[]).some((f) => matchesDocument(doc, f, element));
      case "$nor":
        return !(condition as Doc[]).some((f) => matchesDocument(doc, f, element));
      case "$comment":
        return true;
      default: {
        const path = key.split(".");
        const cands = element ? documentCandidates(doc, path) : candidates(doc, path);
        return conditionMatches(cands, condition);
      }
    }
  });
}

/**
 * True when `record` matches `filter` (field names as stored in the record; datetimes as Dates).
 * `keyOrder: false` compares embedded documents without field order (the Postgres deviation).
 */
export function referenceMatches(record: Doc, filter: Doc, keyOrder = true): boolean {
  orderedKeys = keyOrder;
  try {
    return matchesDocument(record, filter, false);
  } finally {
    orderedKeys = true;
  }
}
