/**
 * AST → SQL, shared by both dialects. Internal to the filter compiler. This file holds Mongo's matching rules;
 * `sqlite.ts` and `postgres.ts` only say how to spell each primitive (path step, type test, element scan, …).
 *
 * The model is MongoDB 8's classic matcher (src/mongo/db/matcher/path.cpp `BSONElementIterator`,
 * expression_leaf.cpp, expression_array.cpp), the reading of prior-art.md §4 it implies:
 *
 * - A path yields *candidates*. One step `b` from a value: an object yields its member `b` (or *missing*); an
 *   array yields the member `b` of each element that is an object (other elements, nested arrays included, yield
 *   nothing); a numeric step (`a.0`) also yields the array element at that position; a scalar, null or missing
 *   value yields *missing*. So `{"a.b": null}` matches `{a: [{c: 1}]}` and `{a: 5}` but not `{a: [1, 2]}` or
 *   `{a: []}`, and `{"a.0.b": null}` matches any `a` holding two documents (the second has no key "0").
 * - An element taken by position is yielded as is: without implicit array matching when the path ends there
 *   (`{"a.0": 1}` does not match `{a: [[1]]}`), and ending the walk if it is a scalar and the path goes on.
 * - A leaf operator matches when some candidate satisfies it; for most operators an array candidate also
 *   satisfies it when one of its elements does (implicit array matching, one level deep). `$size`,
 *   `$elemMatch` and `$exists` look at the candidate itself.
 * - Several operators on one field are separate leaves (each finds its own candidate/element); `$ne`, `$nin`,
 *   `$not` and `$exists: false` negate a whole leaf, so they match only when no candidate matches — missing
 *   included. `$nor` negates whole clauses the same way.
 * - Typed columns hold scalars; SQL NULL is *missing*.
 */
import {
  arrayIndex,
  assertNever,
  type FilterNode,
  type JsonValue,
  type RangeOp,
  type Test,
  type TypeName,
  type Value,
} from "./ast";
import type { TranslatedGlob, TranslatedPattern } from "./pattern";
import { columnReference, type Frag, type SqlKit } from "./sql";
import type { FieldSpec } from "./types";

/** JSON types as the emitters test them. */
export type JsonType = "string" | "number" | "bool" | "null" | "array" | "object";

export type Scalar = string | number | boolean;

/** How one dialect spells JSON primitives over a value reference `R` (never user text: keys and values bind). */
export interface JsonDialect<R> {
  root(column: string): R;
  /**
   * One step of a path walk (path.cpp, BSONElementIterator): `body` runs once over every candidate the step
   * yields from `ref` — the member `key` of a non-array (missing for anything but an object; nothing when `ref`
   * is itself a positional candidate that is not an object), the member `key` of every object element of an
   * array, and, when `position` is set, the array element at that position (a positional candidate). Any one
   * candidate satisfying `body` is enough (SQL: EXISTS over a UNION ALL of the three).
   */
  step(ref: R, key: string, position: number | null, body: (candidate: R) => Frag): Frag;
  /**
   * The member `key` of an `$elemMatch` element read as a document: for an object its member, for an array
   * (a BSON document keyed "0", "1" …) the element at `position`; missing otherwise.
   */
  documentChild(ref: R, key: string, position: number | null): R;
  /** False (SQL) for positional candidates, which Mongo does not expand into their elements. */
  expandable(ref: R): Frag;
  /** False for array elements, which always exist. */
  mayBeMissing(ref: R): boolean;
  isMissing(ref: R): Frag;
  isType(ref: R, type: JsonType): Frag;
  /** `EXISTS` over the elements of an array value; callers only reach it after an array type test. */
  someElement(ref: R, body: (element: R) => Frag): Frag;
  eqScalar(ref: R, value: Scalar): Frag;
  /** Equal to one of several strings, or of several numbers (one SQL IN list, however long). */
  eqAny(ref: R, values: readonly string[] | readonly number[]): Frag;
  /** Structural equality with an array or document (each dialect says how faithfully, see there). */
  eqStructured(ref: R, value: readonly JsonValue[] | { readonly [key: string]: JsonValue }, eq: Equality<R>): Frag;
  compare(ref: R, cmp: RangeOp, value: string | number): Frag;
  regex(ref: R, pattern: TranslatedPattern): Frag;
  glob(ref: R, pattern: TranslatedGlob): Frag;
  mod(ref: R, divisor: number, remainder: number): Frag;
  size(ref: R, size: number): Frag;
}

export type Equality<R> = (ref: R, value: JsonValue) => Frag;

/** How one dialect spells tests on typed columns (SQL NULL = missing; fragments may be NULL on NULL). */
export interface ColumnDialect {
  /** On a datetime field, a string value is an instant (canonical text). */
  compare(column: string, field: FieldSpec, cmp: "eq" | RangeOp, value: Scalar): Frag;
  in(column: string, field: FieldSpec, values: readonly Scalar[]): Frag;
  regex(column: string, pattern: TranslatedPattern): Frag;
  glob(column: string, pattern: TranslatedGlob): Frag;
  mod(column: string, field: FieldSpec, divisor: number, remainder: number): Frag;
}

/** A leaf operator as the path walk needs it. */
interface Leaf<R> {
  /** The test on one candidate or element (no array expansion); falsy for a missing reference. */
  readonly body: (ref: R) => Frag;
  /** Implicit array matching: an array candidate also matches when one of its elements does. */
  readonly expand: boolean;
  /** Whether a missing candidate matches (`{f: null}`, `$in: [null]`). */
  readonly onMissing: boolean;
}

const BOOLEANS = [false, true] as const;

function compareBooleans(left: boolean, cmp: RangeOp, right: boolean): boolean {
  const l = Number(left);
  const r = Number(right);
  switch (cmp) {
    case "gt":
      return l > r;
    case "gte":
      return l >= r;
    case "lt":
      return l < r;
    case "lte":
      return l <= r;
    default:
      return assertNever(cmp);
  }
}

export class Emitter<R> {
  constructor(
    private readonly kit: SqlKit,
    private readonly json: JsonDialect<R>,
    private readonly columns: ColumnDialect,
    private readonly tableAlias: string | undefined,
  ) {}

  /** A filter node; `element` is the array element an enclosing `$elemMatch` looks at (null at the top). */
  node(node: FilterNode, element: R | null): Frag {
    const kit = this.kit;
    switch (node.kind) {
      case "and":
        return kit.and(node.children.map((child) => this.node(child, element)));
      case "or":
        return kit.or(node.children.map((child) => this.node(child, element)));
      case "nor":
        // $nor matches documents where every clause fails, missing fields included.
        return kit.not(kit.or(node.children.map((child) => this.node(child, element))));
      case "column":
        return this.columnTest(node.test, node.field, columnReference(node.field.column, this.tableAlias));
      case "json": {
        if (node.field) {
          return this.jsonTest(
            node.test,
            this.json.root(columnReference(node.field.column, this.tableAlias)),
            node.path,
            false,
          );
        }
        if (element === null) throw new Error("filter compiler: relative path outside $elemMatch");
        return this.jsonTest(node.test, element, node.path, true);
      }
      default:
        return assertNever(node);
    }
  }

  // ------------------------------------------------------------------------------------------ typed columns

  private columnTest(test: Test, field: FieldSpec, column: string): Frag {
    const kit = this.kit;
    // A NOT NULL column is never missing: `{"msg_id": {"$exists": true}}` or `{"$ne": null}` is no condition at all,
    // so bulk operations refuse it like `{}` (matchesEverything), and `$exists: false` matches nothing.
    const isNull = field.nullable === false ? kit.FALSE : kit.frag(`${column} IS NULL`, false);
    const isPresent = field.nullable === false ? kit.TRUE : kit.frag(`${column} IS NOT NULL`, false);
    switch (test.op) {
      case "and":
        return kit.and(test.tests.map((t) => this.columnTest(t, field, column)));
      case "not":
        return kit.not(this.columnTest(test.test, field, column));
      case "const":
        return kit.constant(test.value);
      case "eq":
        return test.value === null ? isNull : this.columns.compare(column, field, "eq", columnScalar(test.value));
      case "in": {
        const present = test.values.filter((v) => v !== null).map(columnScalar);
        const parts: Frag[] = [];
        if (present.length > 0) parts.push(this.columns.in(column, field, present));
        if (present.length < test.values.length) parts.push(isNull);
        return kit.or(parts);
      }
      case "range":
        return this.columns.compare(column, field, test.cmp, test.value);
      case "exists":
        return isPresent;
      case "regex":
        return this.columns.regex(column, test.pattern);
      case "glob":
        return this.columns.glob(column, test.pattern);
      case "mod":
        return this.columns.mod(column, field, test.divisor, test.remainder);
      case "type":
        // A column holds one type; NULL is missing, which has no type (not even "null").
        return test.types.includes(columnType(field)) ? isPresent : kit.FALSE;
      case "size":
      case "elemMatchValue":
      case "elemMatchDoc":
        throw new Error(`filter compiler: ${test.op} on column ${field.name}`);
      default:
        return assertNever(test);
    }
  }

  // ------------------------------------------------------------------------------------------ JSON paths

  /**
   * A test on the values at `path` below `root`. `fromDocument`: `root` is an `$elemMatch` element read as a
   * document (its first component names a member or, for an array element, a position — never a scan).
   */
  private jsonTest(test: Test, root: R, path: readonly string[], fromDocument: boolean): Frag {
    const kit = this.kit;
    switch (test.op) {
      case "and":
        return kit.and(test.tests.map((t) => this.jsonTest(t, root, path, fromDocument)));
      case "not":
        return kit.not(this.jsonTest(test.test, root, path, fromDocument));
      case "const":
        return kit.constant(test.value);
      default: {
        const leaf = this.leaf(test);
        return fromDocument ? this.fromDocument(root, path, leaf) : this.walk(root, path, leaf);
      }
    }
  }

  private leaf(test: Test): Leaf<R> {
    const body = (ref: R): Frag => this.valueTest(test, ref);
    switch (test.op) {
      case "eq":
        return { body, expand: true, onMissing: test.value === null };
      case "in":
        return { body, expand: true, onMissing: test.values.includes(null) };
      case "range":
      case "regex":
      case "glob":
      case "mod":
      case "type":
        return { body, expand: true, onMissing: false };
      case "exists":
      case "size":
      case "elemMatchValue":
      case "elemMatchDoc":
        return { body, expand: false, onMissing: false };
      case "and":
      case "not":
      case "const":
        throw new Error("filter compiler: combinator used as a leaf");
      default:
        return assertNever(test);
    }
  }

  /**
   * Walks `path` from a field value (prior-art.md §4 items 8 and 13). Each step enumerates its candidates once,
   * so the SQL grows linearly with the path, not with the number of ways through it.
   */
  private walk(ref: R, path: readonly string[], leaf: Leaf<R>): Frag {
    const [key, ...rest] = path;
    if (key === undefined) return this.atLeaf(ref, leaf);
    return this.json.step(ref, key, arrayIndex(key), (candidate) => this.walk(candidate, rest, leaf));
  }

  /** Walks `path` from an `$elemMatch` element read as a document (BSON arrays are documents keyed "0", "1" …). */
  private fromDocument(ref: R, path: readonly string[], leaf: Leaf<R>): Frag {
    const [key, ...rest] = path;
    if (key === undefined) return this.atLeaf(ref, leaf);
    return this.walk(this.json.documentChild(ref, key, arrayIndex(key)), rest, leaf);
  }

  private atLeaf(ref: R, leaf: Leaf<R>): Frag {
    const kit = this.kit;
    const json = this.json;
    const parts = [leaf.body(ref)];
    if (leaf.expand) {
      // Implicit array matching, one level deep; not for an element picked by position ({"a.0": 1} ≠ [[1]]).
      const elements = kit.guarded(
        json.isType(ref, "array"),
        json.someElement(ref, (element) => leaf.body(element)),
      );
      parts.push(kit.and([json.expandable(ref), elements]));
    }
    if (leaf.onMissing && json.mayBeMissing(ref)) parts.unshift(json.isMissing(ref));
    return kit.or(parts);
  }

  /** A test on one value (no path, no array expansion): Mongo's `matchesSingleElement`. */
  private valueTest(test: Test, ref: R): Frag {
    const kit = this.kit;
    const json = this.json;
    switch (test.op) {
      case "and":
        return kit.and(test.tests.map((t) => this.valueTest(t, ref)));
      case "not":
        return kit.not(this.valueTest(test.test, ref));
      case "const":
        return kit.constant(test.value);
      case "eq":
        return this.eq(ref, jsonValue(test.value));
      case "in": {
        const values = test.values.map(jsonValue);
        const strings = values.filter((v): v is string => typeof v === "string");
        const numbers = values.filter((v): v is number => typeof v === "number");
        const others = values.filter((v) => typeof v !== "string" && typeof v !== "number");
        const parts = others.map((v) => this.eq(ref, v));
        if (strings.length > 0) parts.push(json.eqAny(ref, strings));
        if (numbers.length > 0) parts.push(json.eqAny(ref, numbers));
        return kit.or(parts);
      }
      case "range": {
        const value = test.value;
        if (typeof value === "boolean") {
          // Booleans bracket with booleans only: false < true.
          return kit.or(BOOLEANS.filter((b) => compareBooleans(b, test.cmp, value)).map((b) => json.eqScalar(ref, b)));
        }
        return json.compare(ref, test.cmp, value);
      }
      case "exists":
        return json.mayBeMissing(ref) ? kit.not(json.isMissing(ref)) : kit.TRUE;
      case "regex":
        return json.regex(ref, test.pattern);
      case "glob":
        return json.glob(ref, test.pattern);
      case "mod":
        return json.mod(ref, test.divisor, test.remainder);
      case "size":
        return json.size(ref, test.size);
      case "type":
        return kit.or(test.types.map((type) => this.typeTest(ref, type)));
      case "elemMatchValue":
        return kit.guarded(
          json.isType(ref, "array"),
          json.someElement(ref, (element) => this.valueTest(test.test, element)),
        );
      case "elemMatchDoc":
        // Only elements that are documents (BSON: objects or arrays) are matched against the conditions.
        return kit.guarded(
          json.isType(ref, "array"),
          json.someElement(ref, (element) =>
            kit.and([
              kit.or([json.isType(element, "object"), json.isType(element, "array")]),
              this.node(test.filter, element),
            ]),
          ),
        );
      default:
        return assertNever(test);
    }
  }

  private typeTest(ref: R, type: TypeName): Frag {
    switch (type) {
      case "string":
      case "number":
      case "bool":
      case "null":
      case "array":
      case "object":
        return this.json.isType(ref, type);
      case "date":
        // JSON holds no dates (they travel as ISO strings).
        return this.kit.FALSE;
      default:
        return assertNever(type);
    }
  }

  private readonly eq: Equality<R> = (ref, value) => {
    if (value === null) return this.json.isType(ref, "null");
    if (typeof value === "object") return this.json.eqStructured(ref, value, this.eq);
    return this.json.eqScalar(ref, value);
  };
}

function jsonValue(value: Value): JsonValue {
  return value;
}

function columnScalar(value: Value): Scalar {
  if (value === null || typeof value === "object") {
    throw new Error("filter compiler: structured operand on a typed column");
  }
  return value;
}

function columnType(field: FieldSpec): TypeName {
  switch (field.kind) {
    case "string":
    case "enum":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "bool";
    case "datetime":
      return "date";
    case "json":
      throw new Error("filter compiler: json field treated as a column");
    default:
      return assertNever(field.kind);
  }
}
