/**
 * Postgres spelling of the filter primitives (`jsonb`; Postgres ≥ 12). Internal to the filter compiler.
 *
 * A JSON value is a jsonb expression: `t."doc" -> CAST(:f0 AS text)` (SQL NULL when missing, `'null'::jsonb`
 * for JSON null), array elements come from `jsonb_array_elements(…) WITH ORDINALITY`. Every cast, element scan
 * or length call that could fail on the wrong JSON type sits in a CASE branch, because Postgres does not promise
 * to evaluate AND operands left to right. Parameters are always cast (`CAST(:f1 AS jsonb)`, never `::`, which
 * TypeORM's `:name` replacement would trip over).
 *
 * Deviation from Mongo (documented in filter.md's spirit, tested in the conformance suite): jsonb does not keep
 * object key order, so embedded-document equality ignores it here (`{a:1,b:2}` equals `{b:2,a:1}`); everything
 * else (numbers numerically, arrays in order, exact key sets) matches Mongo.
 *
 * Strings compare with `COLLATE "C"` (byte order, as Mongo and SQLite); regexes run on `COLLATE "C"` subjects so
 * `\w`/`\y` are ASCII, as in PCRE without UCP.
 */
import { encodeInstant } from "../db/values";
import type { JsonValue, RangeOp } from "./ast";
import type { ColumnDialect, Equality, JsonDialect, JsonType, Scalar } from "./emit";
import type { TranslatedGlob, TranslatedPattern } from "./regex";
import type { Frag, SqlKit } from "./sql";
import type { FieldSpec } from "./types";

export interface PostgresRef {
  /** A jsonb expression. */
  readonly expr: string;
  readonly mayBeMissing: boolean;
}

const OPS: Readonly<Record<"eq" | RangeOp, string>> = { eq: "=", gt: ">", gte: ">=", lt: "<", lte: "<=" };

const TYPE_NAMES: Readonly<Record<JsonType, string>> = {
  string: "string",
  number: "number",
  bool: "boolean",
  null: "null",
  array: "array",
  object: "object",
};

export class PostgresJson implements JsonDialect<PostgresRef> {
  constructor(private readonly kit: SqlKit) {}

  root(column: string): PostgresRef {
    return { expr: column, mayBeMissing: true };
  }

  child(ref: PostgresRef, key: string): PostgresRef {
    return { expr: `(${ref.expr} -> CAST(${this.kit.bind(key, "text")} AS text))`, mayBeMissing: true };
  }

  index(ref: PostgresRef, position: number): PostgresRef {
    return { expr: `(${ref.expr} -> CAST(${this.kit.bind(position, "integer")} AS integer))`, mayBeMissing: true };
  }

  mayBeMissing(ref: PostgresRef): boolean {
    return ref.mayBeMissing;
  }

  typeCase(ref: PostgresRef, object: Frag, array: Frag, otherwise: Frag): Frag {
    return this.kit.caseOf(
      `jsonb_typeof(${ref.expr})`,
      [
        ["object", object],
        ["array", array],
      ],
      otherwise,
    );
  }

  isMissing(ref: PostgresRef): Frag {
    return ref.mayBeMissing ? this.kit.frag(`${ref.expr} IS NULL`, false) : this.kit.FALSE;
  }

  isType(ref: PostgresRef, type: JsonType): Frag {
    return this.kit.frag(`jsonb_typeof(${ref.expr}) = '${TYPE_NAMES[type]}'`, ref.mayBeMissing);
  }

  someElement(ref: PostgresRef, body: (element: PostgresRef, position: string) => Frag): Frag {
    const alias = this.kit.alias();
    const where = body({ expr: `${alias}.v`, mayBeMissing: false }, `${alias}.i`);
    if (where.constant === false) return this.kit.FALSE;
    const from = `SELECT 1 FROM jsonb_array_elements(${ref.expr}) WITH ORDINALITY AS ${alias}(v, i)`;
    return this.kit.frag(`EXISTS (${from}${where.constant === true ? "" : ` WHERE ${where.sql}`})`, false);
  }

  positionIs(position: string, index: number): Frag {
    // ORDINALITY counts from 1.
    return this.kit.frag(`${position} = CAST(${this.kit.bind(index + 1, "bigint")} AS bigint)`, false);
  }

  private jsonEquals(ref: PostgresRef, value: JsonValue): Frag {
    return this.kit.frag(
      `${ref.expr} = CAST(${this.kit.bind(JSON.stringify(value), "jsonb")} AS jsonb)`,
      ref.mayBeMissing,
    );
  }

  eqScalar(ref: PostgresRef, value: Scalar): Frag {
    // jsonb equality is exact per type: numbers numerically, strings byte for byte, never across types.
    return this.jsonEquals(ref, value);
  }

  eqStructured(
    ref: PostgresRef,
    value: readonly JsonValue[] | { readonly [key: string]: JsonValue },
    eq: Equality<PostgresRef>,
  ): Frag {
    void eq;
    // Deviation: jsonb ignores object key order (it does not store it).
    return this.jsonEquals(ref, value as JsonValue);
  }

  private text(ref: PostgresRef): string {
    return `(${ref.expr} #>> '{}') COLLATE "C"`;
  }

  compare(ref: PostgresRef, cmp: RangeOp, value: string | number): Frag {
    if (typeof value === "string") {
      const test = `${this.text(ref)} ${OPS[cmp]} CAST(${this.kit.bind(value, "text")} AS text)`;
      return this.kit.and([this.isType(ref, "string"), this.kit.frag(test, true)]);
    }
    // Within numbers jsonb orders numerically; the type test brackets (no cross-type ordering, prior-art §4.6).
    const test = `${ref.expr} ${OPS[cmp]} CAST(${this.kit.bind(JSON.stringify(value), "jsonb")} AS jsonb)`;
    return this.kit.and([this.isType(ref, "number"), this.kit.frag(test, true)]);
  }

  regex(ref: PostgresRef, pattern: TranslatedPattern): Frag {
    return this.matches(ref, pattern.pg);
  }

  glob(ref: PostgresRef, pattern: TranslatedGlob): Frag {
    return this.matches(ref, pattern.pg);
  }

  private matches(ref: PostgresRef, pg: string): Frag {
    const test = `${this.text(ref)} ~ CAST(${this.kit.bind(pg, "text")} AS text)`;
    return this.kit.and([this.isType(ref, "string"), this.kit.frag(test, true)]);
  }

  mod(ref: PostgresRef, divisor: number, remainder: number): Frag {
    return this.kit.guarded(
      this.isType(ref, "number"),
      numericMod(this.kit, `CAST(${ref.expr} AS numeric)`, divisor, remainder),
    );
  }

  size(ref: PostgresRef, size: number): Frag {
    const test = `jsonb_array_length(${ref.expr}) = CAST(${this.kit.bind(size, "integer")} AS integer)`;
    return this.kit.guarded(this.isType(ref, "array"), this.kit.frag(test, false));
  }
}

/**
 * Mongo's $mod (ModMatchExpression): a double is truncated toward zero and must fit a 64-bit integer (else no
 * match); mod() keeps the dividend's sign, as C++ % does.
 */
function numericMod(kit: SqlKit, numeric: string, divisor: number, remainder: number): Frag {
  const truncated = `trunc(${numeric})`;
  const sql =
    `(${truncated} BETWEEN -9223372036854775808 AND 9223372036854775807 AND ` +
    `mod(${truncated}, CAST(${kit.bind(divisor, "numeric")} AS numeric)) = CAST(${kit.bind(remainder, "numeric")} AS numeric))`;
  return kit.frag(sql, true);
}

export class PostgresColumns implements ColumnDialect {
  constructor(private readonly kit: SqlKit) {}

  /** Casts keep integer operands off int4 overflow and datetimes typed; strings and booleans take the column's type. */
  private operand(field: FieldSpec, value: Scalar | Date): string {
    const kit = this.kit;
    if (value instanceof Date)
      return `CAST(${kit.bind(encodeInstant(value, "postgres"), "timestamptz")} AS timestamptz)`;
    switch (field.kind) {
      case "integer":
        return `CAST(${kit.bind(value, "bigint")} AS bigint)`;
      case "number":
        // numeric → double precision is an implicit cast, so a float column keeps its index.
        return `CAST(${kit.bind(value, "numeric")} AS numeric)`;
      default:
        // Typed by the column it is compared with.
        return kit.bind(value, `column ${field.column}`);
    }
  }

  compare(column: string, field: FieldSpec, cmp: "eq" | RangeOp, value: Scalar | Date): Frag {
    // Equality needs no collation (deterministic collations compare bytes), so the column's index still applies.
    const left = typeof value === "string" && cmp !== "eq" ? `${column} COLLATE "C"` : column;
    return this.kit.frag(`${left} ${OPS[cmp]} ${this.operand(field, value)}`, true);
  }

  in(column: string, field: FieldSpec, values: readonly (Scalar | Date)[]): Frag {
    return this.kit.frag(`${column} IN (${values.map((v) => this.operand(field, v)).join(", ")})`, true);
  }

  regex(column: string, pattern: TranslatedPattern): Frag {
    return this.kit.frag(`${column} COLLATE "C" ~ CAST(${this.kit.bind(pattern.pg, "text")} AS text)`, true);
  }

  glob(column: string, pattern: TranslatedGlob): Frag {
    return this.kit.frag(`${column} COLLATE "C" ~ CAST(${this.kit.bind(pattern.pg, "text")} AS text)`, true);
  }

  mod(column: string, field: FieldSpec, divisor: number, remainder: number): Frag {
    if (field.kind !== "integer") return numericMod(this.kit, `CAST(${column} AS numeric)`, divisor, remainder);
    const sql = `mod(${column}, CAST(${this.kit.bind(divisor, "bigint")} AS bigint)) = CAST(${this.kit.bind(remainder, "bigint")} AS bigint)`;
    return this.kit.frag(sql, true);
  }
}
