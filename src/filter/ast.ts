/**
 * The filter AST: what `parse.ts` produces after all validation and what the emitter turns into SQL. Internal to
 * the filter compiler. Every node already means exactly one MongoDB 8 `find()` rule; aliases and sugar (`$ge`,
 * `$ne`, `$nin`, `$exists: false`, `$all`, `$gte: null` …) are gone.
 */
import type { FieldSpec } from "../dialect";
import type { TranslatedGlob, TranslatedPattern } from "./pattern";

/** A JSON value from the filter (object key order as given). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * A value a test compares with: JSON. On a datetime column a string operand is already an instant in its canonical
 * text (`parse.ts` converts every operand of such a column through the instant codec).
 */
export type Value = JsonValue;

export type RangeOp = "gt" | "gte" | "lt" | "lte";

/** `$type` names (filter.md). JSON has one number type; "date" only exists in datetime columns. */
export const TYPE_NAMES = ["string", "number", "bool", "object", "array", "null", "date"] as const;
export type TypeName = (typeof TYPE_NAMES)[number];

/**
 * A condition on one field (a typed column, a JSON path, or an array element inside `$elemMatch`). Leaves are
 * evaluated with Mongo's path rules (implicit array matching, missing values); `and`/`not` combine whole leaves,
 * so `{a: {$gt: 1, $lt: 5}}` may be satisfied by two different array elements, as in Mongo.
 */
export type Test =
  | { readonly op: "and"; readonly tests: readonly Test[] }
  | { readonly op: "not"; readonly test: Test }
  | { readonly op: "const"; readonly value: boolean }
  /** Equality; `null` also matches missing. */
  | { readonly op: "eq"; readonly value: Value }
  | { readonly op: "in"; readonly values: readonly Value[] }
  /** Type-bracketed ordering; never null (`$gte: null` is `eq null`, `$gt: null` is `const false`). */
  | { readonly op: "range"; readonly cmp: RangeOp; readonly value: string | number | boolean }
  | { readonly op: "exists" }
  | { readonly op: "regex"; readonly pattern: TranslatedPattern }
  | { readonly op: "glob"; readonly pattern: TranslatedGlob }
  | { readonly op: "size"; readonly size: number }
  /** `$elemMatch` with operators: some element satisfies `test` (applied to the element itself). */
  | { readonly op: "elemMatchValue"; readonly test: Test }
  /** `$elemMatch` with field conditions: some object element satisfies `filter` (paths relative to it). */
  | { readonly op: "elemMatchDoc"; readonly filter: FilterNode }
  | { readonly op: "type"; readonly types: readonly TypeName[] }
  | { readonly op: "mod"; readonly divisor: number; readonly remainder: number };

export type FilterNode =
  | { readonly kind: "and" | "or" | "nor"; readonly children: readonly FilterNode[] }
  /** A typed (non-JSON) column. */
  | { readonly kind: "column"; readonly field: FieldSpec; readonly test: Test }
  /**
   * A JSON path: from a `json` column (`field`), or, with `field: null`, from the array element an enclosing
   * `$elemMatch` is looking at.
   */
  | { readonly kind: "json"; readonly field: FieldSpec | null; readonly path: readonly string[]; readonly test: Test };

export function assertNever(value: never): never {
  throw new Error(`filter compiler: unexpected ${JSON.stringify(value)}`);
}

/**
 * A path component that can address an array position (`metadata.tags.0`): canonical decimal digits, as MongoDB
 * compares them with the array's field names "0", "1", … ("01" only ever names an object key).
 */
export function arrayIndex(component: string): number | null {
  return /^(0|[1-9][0-9]{0,8})$/.test(component) ? Number(component) : null;
}
