/**
 * SQLite spelling of the filter primitives (JSON1 functions; SQLite ≥ 3.45 for escaped path labels and
 * `json_group_array(… ORDER BY …)`). Internal to the filter compiler.
 *
 * A JSON value is addressed as (document column, JSON path text), so `json_type` can always tell JSON null
 * ('null') from missing (SQL NULL). Static paths bind as one parameter (`'$."a"."b"'`); a path step enumerates
 * its candidates as rows of paths (`EXISTS (SELECT 1 FROM (… UNION ALL …) AS c WHERE …c.p…)`), below which paths
 * continue as `c.p || '."b"'`. Keys are quoted JSON strings (`."a\"b"`), so any key can be named.
 *
 * Embedded documents and arrays compare structurally (element by element, numbers numerically, object keys in
 * order: `{a:1,b:2}` ≠ `{b:2,a:1}`, as in Mongo). Strings compare with BINARY collation (byte order, as Mongo).
 * Datetime columns hold fixed-width ISO-8601 UTC text with microseconds (src/dialect/instant.ts), whose text order
 * is instant order, so an instant operand (already canonical text) binds and compares as text.
 */
import { SQLITE_REGEXP_FLAGS, SQLITE_REGEXP_FUNCTION } from "../dialect";
import type { JsonValue, RangeOp } from "./ast";
import type { ColumnDialect, Equality, JsonDialect, JsonType, Scalar } from "./emit";
import type { TranslatedGlob, TranslatedPattern } from "./pattern";
import type { Frag, SqlKit } from "./sql";
import type { FieldSpec } from "./types";

export interface SqliteRef {
  /** The JSON column. */
  readonly doc: string;
  /** A path expression (a `json_each` row's `fullkey`, a candidate's path), or null when the path is static. */
  readonly base: string | null;
  /** Static path text after `base` (starts with `$` when `base` is null). */
  readonly suffix: string;
  /** The alias of the `json_each` row this reference is, when it is one. */
  readonly element: string | null;
  /** For path-step candidates: the column saying "picked by array position" (1) or not (0). */
  readonly positional: string | null;
}

const OPS: Readonly<Record<"eq" | RangeOp, string>> = { eq: "=", gt: ">", gte: ">=", lt: "<", lte: "<=" };

const TYPE_NAMES: Readonly<Record<JsonType, readonly string[]>> = {
  string: ["text"],
  number: ["integer", "real"],
  bool: ["true", "false"],
  null: ["null"],
  array: ["array"],
  object: ["object"],
};

/** A quoted label takes JSON string escapes (SQLite ≥ 3.45), so any key can be named. */
const label = (key: string): string => `.${JSON.stringify(key)}`;

export class SqliteJson implements JsonDialect<SqliteRef> {
  private readonly paths = new WeakMap<SqliteRef, string>();

  constructor(private readonly kit: SqlKit) {}

  root(column: string): SqliteRef {
    return { doc: column, base: null, suffix: "$", element: null, positional: null };
  }

  private extended(ref: SqliteRef, suffix: string): SqliteRef {
    return { doc: ref.doc, base: ref.base, suffix: `${ref.suffix}${suffix}`, element: null, positional: null };
  }

  step(ref: SqliteRef, key: string, position: number | null, body: (candidate: SqliteRef) => Frag): Frag {
    const kit = this.kit;
    const type = this.type(ref);
    const path = this.path(ref);
    const member = this.path(this.extended(ref, label(key)));
    // A positional candidate that is not an object ends the path; otherwise anything but an array yields its
    // member (missing for scalars, null and missing values).
    const memberWhen =
      ref.positional === null
        ? `${type} IS NOT 'array'`
        : `CASE WHEN ${ref.positional} = 1 THEN ${type} = 'object' ELSE ${type} IS NOT 'array' END`;
    // json_each over NULL yields no rows: only arrays are scanned.
    const elements = `json_each(CASE WHEN ${type} = 'array' THEN ${ref.doc} END, ${path})`;
    const objects = kit.alias();
    const arms = [
      `SELECT ${member} AS p, 0 AS q WHERE ${memberWhen}`,
      `SELECT ${objects}.fullkey || ${kit.bind(label(key))}, 0 FROM ${elements} AS ${objects} WHERE ${objects}.type = 'object'`,
    ];
    if (position !== null) {
      const at = kit.alias();
      arms.push(`SELECT ${at}.fullkey, 1 FROM ${elements} AS ${at} WHERE ${at}.key = ${kit.bind(position)}`);
    }
    const alias = kit.alias();
    const candidate: SqliteRef = {
      doc: ref.doc,
      base: `${alias}.p`,
      suffix: "",
      element: null,
      positional: position === null ? null : `${alias}.q`,
    };
    const where = body(candidate);
    if (where.constant === false) return kit.FALSE;
    const filter = where.constant === true ? "" : ` WHERE ${where.sql}`;
    return kit.frag(`EXISTS (SELECT 1 FROM (${arms.join(" UNION ALL ")}) AS ${alias}${filter})`, false);
  }

  documentChild(ref: SqliteRef, key: string, position: number | null): SqliteRef {
    const member = this.extended(ref, label(key));
    if (position === null) return member;
    const indexed = this.path(this.extended(ref, `[${position}]`));
    const base = `CASE WHEN ${this.type(ref)} = 'array' THEN ${indexed} ELSE ${this.path(member)} END`;
    return { doc: ref.doc, base, suffix: "", element: null, positional: null };
  }

  expandable(ref: SqliteRef): Frag {
    return ref.positional === null ? this.kit.TRUE : this.kit.frag(`${ref.positional} = 0`, false);
  }

  mayBeMissing(ref: SqliteRef): boolean {
    return ref.element === null;
  }

  /** The path argument for `json_*(doc, path)`; one parameter per reference. */
  private path(ref: SqliteRef): string {
    let sql = this.paths.get(ref);
    if (sql === undefined) {
      if (ref.base === null) sql = ref.suffix === "$" ? "'$'" : this.kit.bind(ref.suffix);
      else sql = ref.suffix === "" ? ref.base : `(${ref.base} || ${this.kit.bind(ref.suffix)})`;
      this.paths.set(ref, sql);
    }
    return sql;
  }

  private type(ref: SqliteRef): string {
    return ref.element !== null ? `${ref.element}.type` : `json_type(${ref.doc}, ${this.path(ref)})`;
  }

  private value(ref: SqliteRef): string {
    return ref.element !== null ? `${ref.element}.value` : `json_extract(${ref.doc}, ${this.path(ref)})`;
  }

  isMissing(ref: SqliteRef): Frag {
    return ref.element !== null ? this.kit.FALSE : this.kit.frag(`${this.type(ref)} IS NULL`, false);
  }

  isType(ref: SqliteRef, type: JsonType): Frag {
    const names = TYPE_NAMES[type];
    const sql =
      names.length === 1
        ? `${this.type(ref)} = '${names[0]}'`
        : `${this.type(ref)} IN (${names.map((n) => `'${n}'`).join(", ")})`;
    return this.kit.frag(sql, this.mayBeMissing(ref));
  }

  someElement(ref: SqliteRef, body: (element: SqliteRef) => Frag): Frag {
    const alias = this.kit.alias();
    const element: SqliteRef = { doc: ref.doc, base: `${alias}.fullkey`, suffix: "", element: alias, positional: null };
    const where = body(element);
    if (where.constant === false) return this.kit.FALSE;
    const from = `SELECT 1 FROM json_each(${ref.doc}, ${this.path(ref)}) AS ${alias}`;
    return this.kit.frag(`EXISTS (${from}${where.constant === true ? "" : ` WHERE ${where.sql}`})`, false);
  }

  eqScalar(ref: SqliteRef, value: Scalar): Frag {
    if (typeof value === "boolean") return this.typeIs(ref, value ? "true" : "false");
    const type = typeof value === "string" ? "string" : "number";
    return this.kit.and([this.isType(ref, type), this.kit.frag(`${this.value(ref)} = ${this.kit.bind(value)}`, true)]);
  }

  eqAny(ref: SqliteRef, values: readonly string[] | readonly number[]): Frag {
    const [only] = values;
    if (values.length === 1 && only !== undefined) return this.eqScalar(ref, only);
    const type = typeof only === "string" ? "string" : "number";
    const list = values.map((v) => this.kit.bind(v)).join(", ");
    return this.kit.and([this.isType(ref, type), this.kit.frag(`${this.value(ref)} IN (${list})`, true)]);
  }

  private typeIs(ref: SqliteRef, name: string): Frag {
    return this.kit.frag(`${this.type(ref)} = '${name}'`, this.mayBeMissing(ref));
  }

  /**
   * Structural equality as one flat conjunction over static sub-paths (type, length, key list, leaf values):
   * a nested one would grow the expression tree with the literal, and SQLite caps its height.
   */
  eqStructured(
    ref: SqliteRef,
    value: readonly JsonValue[] | { readonly [key: string]: JsonValue },
    eq: Equality<SqliteRef>,
  ): Frag {
    const kit = this.kit;
    const terms: Frag[] = [];
    const collect = (at: SqliteRef, expected: JsonValue): void => {
      if (expected === null || typeof expected !== "object") {
        terms.push(eq(at, expected));
      } else if (Array.isArray(expected)) {
        const items: readonly JsonValue[] = expected;
        terms.push(this.isType(at, "array"));
        terms.push(kit.frag(`json_array_length(${at.doc}, ${this.path(at)}) = ${kit.bind(items.length)}`, true));
        items.forEach((item, i) => collect(this.extended(at, `[${i}]`), item));
      } else {
        const entries = Object.entries(expected as { readonly [key: string]: JsonValue });
        const alias = kit.alias();
        // Mongo compares embedded documents field by field, in order: the key list must match exactly.
        const keys =
          `(SELECT json_group_array(${alias}.key ORDER BY ${alias}.id) ` +
          `FROM json_each(${at.doc}, ${this.path(at)}) AS ${alias})`;
        terms.push(this.isType(at, "object"));
        terms.push(kit.frag(`${keys} = ${kit.bind(JSON.stringify(entries.map(([key]) => key)))}`, true));
        for (const [key, item] of entries) collect(this.extended(at, label(key)), item);
      }
    };
    collect(ref, value as JsonValue);
    return kit.and(terms);
  }

  compare(ref: SqliteRef, cmp: RangeOp, value: string | number): Frag {
    const type = typeof value === "string" ? "string" : "number";
    return this.kit.and([
      this.isType(ref, type),
      this.kit.frag(`${this.value(ref)} ${OPS[cmp]} ${this.kit.bind(value)}`, true),
    ]);
  }

  regex(ref: SqliteRef, pattern: TranslatedPattern): Frag {
    return this.kit.and([this.isType(ref, "string"), regexCall(this.kit, pattern.re2, this.value(ref))]);
  }

  glob(ref: SqliteRef, pattern: TranslatedGlob): Frag {
    const test =
      pattern.sqliteGlob === null
        ? regexCall(this.kit, pattern.re2, this.value(ref))
        : this.kit.frag(`${this.value(ref)} GLOB ${this.kit.bind(pattern.sqliteGlob)}`, true);
    return this.kit.and([this.isType(ref, "string"), test]);
  }

  mod(ref: SqliteRef, divisor: number, remainder: number): Frag {
    return this.kit.and([this.isType(ref, "number"), modTest(this.kit, this.value(ref), divisor, remainder)]);
  }

  size(ref: SqliteRef, size: number): Frag {
    const length = `json_array_length(${ref.doc}, ${this.path(ref)}) = ${this.kit.bind(size)}`;
    return this.kit.and([this.isType(ref, "array"), this.kit.frag(length, true)]);
  }
}

/**
 * Mongo's $mod (ModMatchExpression): a double is truncated toward zero and must fit a 64-bit integer (else no
 * match); `%` keeps the dividend's sign, as C++ does.
 */
function modTest(kit: SqlKit, value: string, divisor: number, remainder: number): Frag {
  const inRange = `${value} >= ${INT64_MIN} AND ${value} < ${INT64_LIMIT}`;
  return kit.frag(`(${inRange} AND CAST(${value} AS INTEGER) % ${kit.bind(divisor)} = ${kit.bind(remainder)})`, true);
}

const INT64_MIN = "-9223372036854775808.0";
const INT64_LIMIT = "9223372036854775808.0";

function regexCall(kit: SqlKit, re2: string, subject: string): Frag {
  return kit.frag(`${SQLITE_REGEXP_FUNCTION}(${kit.bind(re2)}, '${SQLITE_REGEXP_FLAGS}', ${subject})`, false);
}

export class SqliteColumns implements ColumnDialect {
  constructor(private readonly kit: SqlKit) {}

  private operand(value: Scalar): string {
    // SQLite has no boolean type: booleans are stored as 0/1.
    if (typeof value === "boolean") return this.kit.bind(value ? 1 : 0);
    return this.kit.bind(value);
  }

  compare(column: string, _field: FieldSpec, cmp: "eq" | RangeOp, value: Scalar): Frag {
    return this.kit.frag(`${column} ${OPS[cmp]} ${this.operand(value)}`, true);
  }

  in(column: string, _field: FieldSpec, values: readonly Scalar[]): Frag {
    return this.kit.frag(`${column} IN (${values.map((v) => this.operand(v)).join(", ")})`, true);
  }

  regex(column: string, pattern: TranslatedPattern): Frag {
    return regexCall(this.kit, pattern.re2, column);
  }

  glob(column: string, pattern: TranslatedGlob): Frag {
    if (pattern.sqliteGlob === null) return regexCall(this.kit, pattern.re2, column);
    return this.kit.frag(`${column} GLOB ${this.kit.bind(pattern.sqliteGlob)}`, true);
  }

  mod(column: string, _field: FieldSpec, divisor: number, remainder: number): Frag {
    return modTest(this.kit, column, divisor, remainder);
  }
}
