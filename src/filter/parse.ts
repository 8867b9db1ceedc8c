/**
 * JSON filter → AST, with every check the filter language makes (filter.md § Errors). Internal to the filter
 * compiler: nothing after this stage can fail on user input, so a bad filter never reaches SQL.
 *
 * Errors are BAD_USER_INPUT with `extensions.filterPath` (keys and array indexes from the filter's root), or
 * LIMIT_EXCEEDED for filters deeper or larger than `FilterLimits`.
 *
 * Typed (non-JSON) columns are strict about JSON types: `{queue: 5}` on a string column is an error ("field
 * 'queue' holds strings, got a number"), not a silent non-match. `null` is always accepted (it means missing).
 * Mongo would simply match nothing; an error is kinder to a person and can never change a correct filter's result.
 */
import { INSTANT_RANGE, parseInstant } from "../dialect";
import { InputReason } from "../errors/codes";
import { badFilter, limitExceeded } from "../errors/errors";
import { type FilterNode, type JsonValue, type RangeOp, type Test, TYPE_NAMES, type TypeName, type Value } from "./ast";
import { PatternError, translateGlob, translateRegex } from "./pattern";
import { didYouMean, suggest } from "./suggest";
import type { FieldCatalogue, FieldSpec, FilterLimits } from "./types";

type FilterPath = readonly (string | number)[];

/** Longest dotted path, in components (each component nests the SQL a little deeper). */
export const MAX_PATH_COMPONENTS = 16;
/** Deepest nesting of arrays/objects inside one literal value. */
export const MAX_LITERAL_DEPTH = 32;
/**
 * Most path components plus `$elemMatch` levels along one chain of a filter (each becomes one nested SQL
 * subquery). SQLite refuses expression trees whose heights, summed over nested subqueries, pass 1000: with the
 * heaviest leaves and logical nesting the limits allow, 24 levels fail and 20 pass (test/conformance/limits.test.ts).
 * Real filters use fewer than 8.
 */
export const MAX_JSON_NESTING = 20;

const LOGICAL = ["$and", "$or", "$nor"] as const;
const FIELD_OPERATORS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$ge",
  "$le",
  "$in",
  "$nin",
  "$exists",
  "$not",
  "$regex",
  "$options",
  "$glob",
  "$all",
  "$size",
  "$elemMatch",
  "$type",
  "$mod",
] as const;
type FieldOperator = (typeof FIELD_OPERATORS)[number];

const UNSUPPORTED: Readonly<Record<string, string>> = {
  $where: "$where (server-side JavaScript) is not supported",
  $expr: "$expr (aggregation expressions) is not supported",
  $text: "$text (full-text search) is not supported; use $regex or $glob",
  $jsonSchema: "$jsonSchema is not supported",
};

/** Postgres and SQLite both keep integers exact up to here; JS numbers (and JSON from JS) too. */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

type Target = { readonly kind: "column"; readonly field: FieldSpec } | { readonly kind: "json" };

interface Context {
  readonly depth: number;
  /** Path components and `$elemMatch` levels above this point (see MAX_JSON_NESTING). */
  readonly nesting: number;
}

const catalogueIndexes = new WeakMap<FieldCatalogue, Map<string, FieldSpec>>();

function indexCatalogue(catalogue: FieldCatalogue): Map<string, FieldSpec> {
  let index = catalogueIndexes.get(catalogue);
  if (!index) {
    index = new Map();
    for (const field of catalogue.fields) {
      index.set(field.name, field);
      for (const alias of field.aliases) index.set(alias, field);
    }
    catalogueIndexes.set(catalogue, index);
  }
  return index;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

function describeKind(field: FieldSpec): string {
  switch (field.kind) {
    case "string":
      return "strings";
    case "integer":
      return "integers";
    case "number":
      return "numbers";
    case "boolean":
      return "booleans";
    case "datetime":
      return "datetimes";
    case "enum":
      return `one of ${(field.enumValues ?? []).join(", ")}`;
    case "json":
      return "JSON values";
  }
}

function show(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function and(tests: readonly Test[]): Test {
  return tests.length === 1 && tests[0] ? tests[0] : { op: "and", tests };
}

function not(test: Test): Test {
  return { op: "not", test };
}

class Parser {
  private nodes = 0;
  private readonly fields: Map<string, FieldSpec>;

  constructor(
    private readonly catalogue: FieldCatalogue,
    private readonly limits: FilterLimits,
  ) {
    this.fields = indexCatalogue(catalogue);
  }

  root(filter: unknown): FilterNode {
    if (!isPlainObject(filter)) {
      throw badFilter(`a filter must be a JSON object such as {} or {"field": value}, got ${describeJson(filter)}`, []);
    }
    return this.document(filter, [], { depth: 0, nesting: 0 }, "top");
  }

  // ---------------------------------------------------------------------------------------------- limits

  private charge(amount: number, path: FilterPath): void {
    this.nodes += amount;
    if (this.nodes > this.limits.maxNodes) {
      throw limitExceeded(`the filter has more than ${this.limits.maxNodes} conditions`, {
        filterPath: [...path],
        limit: "maxNodes",
        maximum: this.limits.maxNodes,
      });
    }
  }

  private deeper(ctx: Context, path: FilterPath): Context {
    const depth = ctx.depth + 1;
    if (depth > this.limits.maxDepth) {
      throw limitExceeded(`the filter nests deeper than ${this.limits.maxDepth} levels`, {
        filterPath: [...path],
        limit: "maxDepth",
        maximum: this.limits.maxDepth,
      });
    }
    return { ...ctx, depth };
  }

  // ---------------------------------------------------------------------------------------------- documents

  /** A filter document: field conditions and logical operators, ANDed. `scope` says what its keys name. */
  private document(doc: Record<string, unknown>, path: FilterPath, ctx: Context, scope: "top" | "element"): FilterNode {
    const children: FilterNode[] = [];
    for (const [key, value] of Object.entries(doc)) {
      const keyPath = [...path, key];
      if (!key.startsWith("$")) {
        children.push(this.fieldEntry(key, value, keyPath, ctx, scope));
      } else if ((LOGICAL as readonly string[]).includes(key)) {
        children.push(this.logical(key as (typeof LOGICAL)[number], value, keyPath, ctx, scope));
      } else if (key === "$comment") {
        // Mongo accepts and ignores a top-level $comment.
      } else if (UNSUPPORTED[key] !== undefined) {
        throw badFilter(UNSUPPORTED[key], keyPath);
      } else if (key === "$not") {
        throw badFilter(`$not applies to one field: write {"<field>": {"$not": {…}}}, or use $nor`, keyPath);
      } else if ((FIELD_OPERATORS as readonly string[]).includes(key)) {
        throw badFilter(`${key} applies to a field: write {"<field>": {"${key}": …}}`, keyPath);
      } else {
        throw badFilter(
          `unknown operator '${key}'${didYouMean(key, [...LOGICAL, "$comment"])}`,
          keyPath,
          InputReason.UNKNOWN_OPERATOR,
        );
      }
    }
    return children.length === 1 && children[0] ? children[0] : { kind: "and", children };
  }

  private logical(
    key: (typeof LOGICAL)[number],
    value: unknown,
    path: FilterPath,
    ctx: Context,
    scope: "top" | "element",
  ): FilterNode {
    if (!Array.isArray(value) || value.length === 0) {
      throw badFilter(`${key} needs a non-empty array of filters`, path);
    }
    const inner = this.deeper(ctx, path);
    const children = value.map((entry: unknown, i) => {
      if (!isPlainObject(entry)) {
        throw badFilter(`each ${key} entry must be a filter object, got ${describeJson(entry)}`, [...path, i]);
      }
      return this.document(entry, [...path, i], inner, scope);
    });
    return { kind: key === "$and" ? "and" : key === "$or" ? "or" : "nor", children };
  }

  private fieldEntry(
    key: string,
    value: unknown,
    path: FilterPath,
    ctx: Context,
    scope: "top" | "element",
  ): FilterNode {
    const components = key.split(".");
    if (scope === "element") {
      this.checkComponents(key, components, path);
      const inner = this.nested(ctx, components.length, path);
      return {
        kind: "json",
        field: null,
        path: components,
        test: this.condition(value, { kind: "json" }, path, inner),
      };
    }
    const [head = "", ...rest] = components;
    const field = this.fields.get(head);
    if (!field) {
      const names = this.catalogue.fields.flatMap((f) => [f.name, ...f.aliases]);
      const hint = suggest(head, names);
      const tail =
        hint !== undefined
          ? `; did you mean '${hint}'?`
          : `; fields: ${this.catalogue.fields.map((f) => f.name).join(", ")}`;
      throw badFilter(`unknown field '${head}' on ${this.catalogue.entity}${tail}`, path, InputReason.UNKNOWN_FIELD);
    }
    if (field.secret) {
      throw badFilter(`'${head}' cannot be filtered on: a lease's id is known only to its holder`, path);
    }
    if (field.kind !== "json") {
      if (rest.length > 0) {
        throw badFilter(
          `field '${head}' holds ${describeKind(field)}, not JSON: dotted paths ('${key}') only walk into JSON fields`,
          path,
        );
      }
      return { kind: "column", field, test: this.condition(value, { kind: "column", field }, path, ctx) };
    }
    this.checkComponents(key, rest, path);
    const inner = this.nested(ctx, rest.length, path);
    return { kind: "json", field, path: rest, test: this.condition(value, { kind: "json" }, path, inner) };
  }

  private checkComponents(key: string, components: readonly string[], path: FilterPath): void {
    if (components.length > MAX_PATH_COMPONENTS) {
      throw limitExceeded(`the path '${show(key)}' has more than ${MAX_PATH_COMPONENTS} components`, {
        filterPath: [...path],
        limit: "pathComponents",
        maximum: MAX_PATH_COMPONENTS,
      });
    }
    for (const component of components) {
      if (component === "") throw badFilter(`the path '${key}' has an empty component`, path);
      if (component.startsWith("$")) {
        throw badFilter(`path components may not start with '$' ('${component}' in '${key}')`, path);
      }
    }
  }

  /** One more level of SQL subqueries; the +1 in the check is the leaf's own scan of array elements. */
  private nested(ctx: Context, levels: number, path: FilterPath): Context {
    const nesting = ctx.nesting + levels;
    if (nesting + 1 > MAX_JSON_NESTING) {
      throw limitExceeded(
        `paths and $elemMatch nest ${nesting + 1} levels deep here; at most ${MAX_JSON_NESTING} are allowed`,
        { filterPath: [...path], limit: "jsonNesting", maximum: MAX_JSON_NESTING },
      );
    }
    return { ...ctx, nesting };
  }

  // ---------------------------------------------------------------------------------------------- conditions

  /** The value of a field entry: an operator expression, or a literal meaning equality. */
  private condition(value: unknown, target: Target, path: FilterPath, ctx: Context): Test {
    if (!isPlainObject(value) || !Object.keys(value).some((k) => k.startsWith("$")) || isDateLiteral(value)) {
      return this.equality(value, target, path, ctx);
    }
    const keys = Object.keys(value);
    const plain = keys.find((k) => !k.startsWith("$"));
    if (plain !== undefined) {
      throw badFilter(
        `an object cannot mix operators and field names ('${plain}'); use {"$eq": {…}} to match a document`,
        path,
      );
    }
    const tests: Test[] = [];
    for (const [op, arg] of Object.entries(value)) {
      const opPath = [...path, op];
      if (op === "$options") {
        if (!("$regex" in value)) throw badFilter("$options needs a $regex next to it", opPath);
        continue;
      }
      tests.push(this.operator(op, arg, value, target, opPath, ctx));
    }
    return and(tests);
  }

  private operator(
    op: string,
    arg: unknown,
    siblings: Record<string, unknown>,
    target: Target,
    path: FilterPath,
    ctx: Context,
  ): Test {
    if (!(FIELD_OPERATORS as readonly string[]).includes(op)) {
      if (UNSUPPORTED[op] !== undefined) throw badFilter(UNSUPPORTED[op], path);
      if ((LOGICAL as readonly string[]).includes(op)) {
        throw badFilter(
          `${op} combines whole filters: write {"${op}": [{"<field>": …}, …]} at the top level or inside $elemMatch`,
          path,
        );
      }
      if (op === "$date") {
        throw badFilter(`{"$date": …} values are for datetime fields; inside JSON compare ISO-8601 strings`, path);
      }
      throw badFilter(`unknown operator '${op}'${didYouMean(op, FIELD_OPERATORS)}`, path, InputReason.UNKNOWN_OPERATOR);
    }
    const known = op as FieldOperator;
    switch (known) {
      case "$eq":
        return this.equality(arg, target, path, ctx);
      case "$ne":
        return not(this.equality(arg, target, path, ctx));
      case "$gt":
      case "$ge": // IPython's docs table: $ge means ">" (ipython-hub.md §15)
        return this.range("gt", arg, target, path, ctx);
      case "$gte":
        return this.range("gte", arg, target, path, ctx);
      case "$lt":
      case "$le": // IPython's docs table: $le means "<"
        return this.range("lt", arg, target, path, ctx);
      case "$lte":
        return this.range("lte", arg, target, path, ctx);
      case "$in":
        return this.membership(arg, target, path, ctx, "$in");
      case "$nin":
        return not(this.membership(arg, target, path, ctx, "$nin"));
      case "$exists": {
        this.charge(1, path);
        if (arg === true || arg === 1) return { op: "exists" };
        if (arg === false || arg === 0) return not({ op: "exists" });
        throw badFilter(`$exists takes true or false, got ${describeJson(arg)}`, path);
      }
      case "$not": {
        if (!isPlainObject(arg) || isDateLiteral(arg)) {
          throw badFilter(
            `$not takes an operator expression such as {"$gt": 5} or {"$regex": "…"}, got ${describeJson(arg)}`,
            path,
          );
        }
        const keys = Object.keys(arg);
        if (keys.length === 0) throw badFilter("$not needs at least one operator", path);
        if (!keys.every((k) => k.startsWith("$"))) {
          throw badFilter(`$not takes an operator expression such as {"$gt": 5}, not a value`, path);
        }
        return not(this.condition(arg, target, path, this.deeper(ctx, path)));
      }
      case "$regex":
        return this.regex(arg, siblings["$options"], target, path, ctx);
      case "$options":
        // Read together with $regex; condition() skips it.
        throw new Error("filter compiler: $options reached operator()");
      case "$glob":
        return this.glob(arg, target, path, ctx);
      case "$all":
        return this.all(arg, target, path, ctx);
      case "$size": {
        this.notOnColumn(target, "$size", path);
        this.charge(1, path);
        if (typeof arg !== "number" || !Number.isInteger(arg) || arg < 0 || arg > 2 ** 31 - 1) {
          throw badFilter(`$size takes a non-negative integer, got ${show(arg)}`, path);
        }
        return { op: "size", size: arg };
      }
      case "$elemMatch":
        return this.elemMatch(arg, target, path, ctx);
      case "$type":
        return this.type(arg, path, ctx);
      case "$mod":
        return this.mod(arg, target, path, ctx);
      default:
        return assertUnreachable(known);
    }
  }

  private notOnColumn(target: Target, op: string, path: FilterPath): void {
    if (target.kind === "column") {
      throw badFilter(
        `${op} applies to JSON arrays; field '${target.field.name}' holds ${describeKind(target.field)}`,
        path,
      );
    }
  }

  // ---------------------------------------------------------------------------------------------- operands

  private equality(raw: unknown, target: Target, path: FilterPath, _ctx: Context): Test {
    if (target.kind === "json") {
      return { op: "eq", value: this.literal(raw, path) };
    }
    this.charge(1, path);
    if (raw === null) return { op: "eq", value: null };
    const value = this.columnValue(raw, target.field, path);
    // An integer column never equals 1.5: no match, not an error (the operand has the right type).
    if (target.field.kind === "integer" && typeof value === "number" && !Number.isInteger(value)) {
      return { op: "const", value: false };
    }
    return { op: "eq", value };
  }

  private membership(raw: unknown, target: Target, path: FilterPath, ctx: Context, op: "$in" | "$nin"): Test {
    if (!Array.isArray(raw)) throw badFilter(`${op} takes an array of values, got ${describeJson(raw)}`, path);
    const values: Value[] = [];
    raw.forEach((item: unknown, i) => {
      const itemPath = [...path, i];
      if (isPlainObject(item) && Object.keys(item).some((k) => k.startsWith("$")) && !isDateLiteral(item)) {
        throw badFilter(
          `${op} takes values, not operators (regular expressions in ${op} are not supported; use $or with $regex)`,
          itemPath,
        );
      }
      if (target.kind === "json") {
        values.push(this.literal(item, itemPath));
        return;
      }
      this.charge(1, itemPath);
      if (item === null) {
        values.push(null);
        return;
      }
      const value = this.columnValue(item, target.field, itemPath);
      if (target.field.kind === "integer" && typeof value === "number" && !Number.isInteger(value)) return;
      values.push(value);
    });
    if (raw.length === 0) this.charge(1, path);
    return { op: "in", values };
  }

  private range(cmp: RangeOp, raw: unknown, target: Target, path: FilterPath, _ctx: Context): Test {
    this.charge(1, path);
    // Mongo: $gte/$lte null behave like {$eq: null} (null or missing); $gt/$lt null match nothing.
    if (raw === null) return cmp === "gte" || cmp === "lte" ? { op: "eq", value: null } : { op: "const", value: false };
    if (target.kind === "json") {
      if (typeof raw === "number" && Number.isFinite(raw)) return { op: "range", cmp, value: raw };
      if (typeof raw === "string" || typeof raw === "boolean") return { op: "range", cmp, value: raw };
      if (raw instanceof Date || isDateLiteral(raw)) {
        throw badFilter(`JSON values hold no dates: compare ISO-8601 strings instead`, path);
      }
      throw badFilter(
        `range operators compare numbers, strings or booleans, got ${describeJson(raw)} (arrays and documents are not ordered)`,
        path,
      );
    }
    const value = this.columnValue(raw, target.field, path);
    if (target.field.kind === "integer" && typeof value === "number" && !Number.isInteger(value)) {
      // Keep the comparison on the integer column (and its index): n > 1.5 ⇔ n > 1, n >= 1.5 ⇔ n >= 2 …
      const bound = cmp === "gt" || cmp === "lte" ? Math.floor(value) : Math.ceil(value);
      return { op: "range", cmp, value: bound };
    }
    return { op: "range", cmp, value };
  }

  /** A non-null operand for a typed column, checked against the column's kind. */
  private columnValue(raw: unknown, field: FieldSpec, path: FilterPath): string | number | boolean {
    switch (field.kind) {
      case "string":
        if (typeof raw === "string") return raw;
        break;
      case "enum": {
        if (typeof raw !== "string") break;
        const valid = field.enumValues ?? [];
        if (valid.includes(raw)) return raw;
        throw badFilter(
          `'${show(raw)}' is not a valid value of field '${field.name}'${didYouMean(raw, valid)} (valid values: ${valid.join(", ")})`,
          path,
        );
      }
      case "integer":
      case "number":
        if (typeof raw === "number" && Number.isFinite(raw)) {
          if (field.kind === "integer" && Math.abs(raw) > MAX_EXACT) {
            throw badFilter(`field '${field.name}' compares integers up to ±${MAX_EXACT}, got ${raw}`, path);
          }
          return raw;
        }
        break;
      case "boolean":
        if (typeof raw === "boolean") return raw;
        break;
      case "datetime": {
        const instant = parseInstant(raw);
        if (instant) return instant;
        if (typeof raw === "string" || isDateLiteral(raw)) {
          throw badFilter(
            `'${show(raw)}' is not a valid datetime for field '${field.name}'; use ISO-8601 such as "2026-11-22T10:00:00Z" or {"$date": "…"}, from ${INSTANT_RANGE}`,
            path,
          );
        }
        break;
      }
      case "json":
        throw new Error("filter compiler: json field treated as a column");
    }
    throw badFilter(`field '${field.name}' holds ${describeKind(field)}, got ${describeJson(raw)}`, path);
  }

  /** A JSON literal (equality / $in operand), validated and counted node by node. */
  private literal(raw: unknown, path: FilterPath, depth = 0): JsonValue {
    if (depth > MAX_LITERAL_DEPTH) {
      throw limitExceeded(`a value nests deeper than ${MAX_LITERAL_DEPTH} levels`, {
        filterPath: [...path],
        limit: "valueDepth",
        maximum: MAX_LITERAL_DEPTH,
      });
    }
    this.charge(1, path);
    if (raw === null || typeof raw === "boolean" || typeof raw === "string") return raw;
    if (typeof raw === "number") {
      if (!Number.isFinite(raw)) throw badFilter(`numbers must be finite, got ${raw}`, path);
      return raw;
    }
    if (Array.isArray(raw)) return raw.map((item: unknown, i) => this.literal(item, [...path, i], depth + 1));
    if (isPlainObject(raw)) {
      const out: Record<string, JsonValue> = {};
      for (const [key, value] of Object.entries(raw)) {
        if (key === "$date") {
          throw badFilter(`{"$date": …} values are for datetime fields; inside JSON compare ISO-8601 strings`, path);
        }
        if (key.startsWith("$")) throw badFilter(`field names inside values may not start with '$' ('${key}')`, path);
        out[key] = this.literal(value, [...path, key], depth + 1);
      }
      return out;
    }
    if (raw instanceof Date) {
      throw badFilter(`JSON values hold no dates: compare ISO-8601 strings instead`, path);
    }
    throw badFilter(`${describeJson(raw)} is not a JSON value`, path);
  }

  // ---------------------------------------------------------------------------------------------- operators

  private stringTarget(target: Target, op: string, path: FilterPath): void {
    if (target.kind === "column" && target.field.kind !== "string" && target.field.kind !== "enum") {
      throw badFilter(
        `${op} applies to strings; field '${target.field.name}' holds ${describeKind(target.field)}`,
        path,
      );
    }
  }

  private regex(arg: unknown, options: unknown, target: Target, path: FilterPath, _ctx: Context): Test {
    this.charge(1, path);
    if (typeof arg !== "string") throw badFilter(`$regex takes a pattern string, got ${describeJson(arg)}`, path);
    const optionsPath = [...path.slice(0, -1), "$options"];
    if (options !== undefined && typeof options !== "string") {
      throw badFilter(
        `$options takes a string of flags such as "i" or "im", got ${describeJson(options)}`,
        optionsPath,
      );
    }
    this.stringTarget(target, "$regex", path);
    const flags = options ?? "";
    const unknown = [...flags].find((c) => !"imsxu".includes(c));
    if (unknown !== undefined) {
      throw badFilter(`unknown $options flag '${unknown}'; use i, m, s or x`, optionsPath);
    }
    try {
      return { op: "regex", pattern: translateRegex(arg, flags) };
    } catch (error) {
      if (error instanceof PatternError) throw badFilter(`invalid $regex /${show(arg)}/: ${error.message}`, path);
      throw error;
    }
  }

  private glob(arg: unknown, target: Target, path: FilterPath, _ctx: Context): Test {
    this.charge(1, path);
    if (typeof arg !== "string") throw badFilter(`$glob takes a pattern string, got ${describeJson(arg)}`, path);
    this.stringTarget(target, "$glob", path);
    try {
      return { op: "glob", pattern: translateGlob(arg) };
    } catch (error) {
      if (error instanceof PatternError) throw badFilter(`invalid $glob '${show(arg)}': ${error.message}`, path);
      throw error;
    }
  }

  /** `$all` is the `$and` of equalities (or of `$elemMatch`es); `$all: []` matches nothing. */
  private all(arg: unknown, target: Target, path: FilterPath, ctx: Context): Test {
    if (!Array.isArray(arg)) throw badFilter(`$all takes an array of values, got ${describeJson(arg)}`, path);
    if (arg.length === 0) {
      this.charge(1, path);
      return { op: "const", value: false };
    }
    const isElemMatch = (item: unknown): item is { $elemMatch: unknown } =>
      isPlainObject(item) && Object.keys(item).length === 1 && "$elemMatch" in item;
    const elemMatches = arg.filter(isElemMatch).length;
    if (elemMatches > 0 && elemMatches < arg.length) {
      throw badFilter("$all takes either values or {$elemMatch: …} entries, not both", path);
    }
    return and(
      arg.map((item: unknown, i) => {
        const itemPath = [...path, i];
        if (isElemMatch(item)) return this.elemMatch(item.$elemMatch, target, [...itemPath, "$elemMatch"], ctx);
        if (isPlainObject(item) && Object.keys(item).some((k) => k.startsWith("$")) && !isDateLiteral(item)) {
          throw badFilter("$all takes values (or {$elemMatch: …} entries), not operators", itemPath);
        }
        return this.equality(item, target, itemPath, ctx);
      }),
    );
  }

  private elemMatch(arg: unknown, target: Target, path: FilterPath, ctx: Context): Test {
    this.notOnColumn(target, "$elemMatch", path);
    this.charge(1, path);
    if (!isPlainObject(arg)) throw badFilter(`$elemMatch takes an object, got ${describeJson(arg)}`, path);
    const inner = this.nested(this.deeper(ctx, path), 1, path);
    const keys = Object.keys(arg);
    const isValueOperator = (k: string): boolean => k.startsWith("$") && !(LOGICAL as readonly string[]).includes(k);
    if (keys.length > 0 && keys.every(isValueOperator)) {
      // {$elemMatch: {$gte: 80, $lt: 85}}: one element satisfies every operator.
      return { op: "elemMatchValue", test: this.condition(arg, { kind: "json" }, path, inner) };
    }
    const operator = keys.find(isValueOperator);
    if (operator !== undefined) {
      throw badFilter(
        `$elemMatch takes either operators ({"$gt": 1}) or field conditions ({"score": 8}), not both ('${operator}')`,
        path,
      );
    }
    // {$elemMatch: {product: "xyz", score: {$gte: 8}}}: one element document satisfies every condition.
    return { op: "elemMatchDoc", filter: this.document(arg, path, inner, "element") };
  }

  private type(arg: unknown, path: FilterPath, _ctx: Context): Test {
    this.charge(1, path);
    const names: unknown[] = Array.isArray(arg) ? arg : [arg];
    if (names.length === 0) throw badFilter("$type needs at least one type name", path);
    const types = names.map((name, i): TypeName => {
      const at = Array.isArray(arg) ? [...path, i] : path;
      if (typeof name === "string" && (TYPE_NAMES as readonly string[]).includes(name)) return name as TypeName;
      const valid = TYPE_NAMES.map((t) => `'${t}'`).join(", ");
      if (typeof name !== "string") throw badFilter(`$type takes type names (${valid}), got ${show(name)}`, at);
      if (["double", "int", "long", "decimal"].includes(name)) {
        throw badFilter(`JSON has one number type: use $type 'number' instead of '${name}'`, at);
      }
      const hint = name === "boolean" ? "; did you mean 'bool'?" : didYouMean(name, TYPE_NAMES);
      throw badFilter(`unknown $type '${show(name)}'${hint} (types: ${valid})`, at);
    });
    return { op: "type", types };
  }

  private mod(arg: unknown, target: Target, path: FilterPath, _ctx: Context): Test {
    this.charge(1, path);
    if (
      !Array.isArray(arg) ||
      arg.length !== 2 ||
      !arg.every((n: unknown) => typeof n === "number" && Number.isFinite(n) && Math.abs(n) <= MAX_EXACT)
    ) {
      throw badFilter(`$mod takes [divisor, remainder] (two numbers), got ${show(arg)}`, path);
    }
    if (target.kind === "column" && target.field.kind !== "integer" && target.field.kind !== "number") {
      throw badFilter(
        `$mod applies to numbers; field '${target.field.name}' holds ${describeKind(target.field)}`,
        path,
      );
    }
    // MongoDB 5.1+: divisor and remainder are truncated toward zero.
    const divisor = Math.trunc(arg[0] as number);
    const remainder = Math.trunc(arg[1] as number);
    if (divisor === 0) throw badFilter("$mod divisor must not be 0", path);
    return { op: "mod", divisor, remainder: remainder === 0 ? 0 : remainder };
  }
}

/** `{"$date": …}` (Mongo extended JSON) is a value, not an operator expression. */
function isDateLiteral(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 1 && "$date" in value;
}

function assertUnreachable(value: never): never {
  throw new Error(`filter compiler: unexpected operator ${String(value)}`);
}

/** Parses and validates a filter (filter.md). Throws BAD_USER_INPUT / LIMIT_EXCEEDED GraphQL errors. */
export function parseFilter(filter: unknown, catalogue: FieldCatalogue, limits: FilterLimits): FilterNode {
  return new Parser(catalogue, limits).root(filter);
}
