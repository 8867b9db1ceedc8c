/**
 * Postgres spelling of the filter primitives (`jsonb`; Postgres ≥ 12). Internal to the filter compiler.
 *
 * A JSON value is a jsonb expression: `t."doc" -> CAST(:f0 AS text)` is SQL NULL when missing and
 * `'null'::jsonb` for JSON null. A path step enumerates its candidates as rows (`EXISTS (SELECT 1 FROM (… UNION
 * ALL … OFFSET 0) AS c(v, q) WHERE …c.v…)`); array elements come from `jsonb_array_elements`, only ever applied
 * to arrays (inside CASE: Postgres does not promise to evaluate AND operands left to right). Parameters are
 * always cast (`CAST(:f1 AS jsonb)`, never `::`, which TypeORM's `:name` replacement would trip over).
 *
 * Deviation from Mongo (tested in test/conformance): jsonb does not keep object key order, so embedded-document
 * equality ignores it here (`{a:1,b:2}` equals `{b:2,a:1}`); everything else (numbers numerically, arrays in
 * order, exact key sets) matches Mongo.
 *
 * Strings compare with `COLLATE "C"` (byte order, as Mongo and SQLite); regexes run on `COLLATE "C"` subjects so
 * `\w`/`\y` are ASCII, as in PCRE without UCP.
 */
import type { JsonValue, RangeOp } from "./ast";
import type { ColumnDialect, Equality, JsonDialect, JsonType, Scalar } from "./emit";
import type { TranslatedGlob, TranslatedPattern } from "./pattern";
import type { Frag, SqlKit } from "./sql";
import type { FieldSpec } from "./types";

export interface PostgresRef {
  /** A jsonb expression. */
  readonly expr: string;
  readonly mayBeMissing: boolean;
  /** For path-step candidates: the column saying "picked by array position" (1) or not (0). */
  readonly positional: string | null;
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
    return { expr: column, mayBeMissing: true, positional: null };
  }

  private key(key: string): string {
    return `CAST(${this.kit.bind(key, "text")} AS text)`;
  }

  step(ref: PostgresRef, key: string, position: number | null, body: (candidate: PostgresRef) => Frag): Frag {
    const kit = this.kit;
    const type = `jsonb_typeof(${ref.expr})`;
    // A positional candidate that is not an object ends the path; otherwise anything but an array yields its
    // member (`->` gives NULL, i.e. missing, for scalars, null and missing values).
    const memberWhen =
      ref.positional === null
        ? `${type} IS DISTINCT FROM 'array'`
        : `CASE WHEN ${ref.positional} = 1 THEN ${type} = 'object' ELSE ${type} IS DISTINCT FROM 'array' END`;
    // jsonb_array_elements fails on non-arrays; over NULL it yields no rows.
    const array = `CASE WHEN ${type} = 'array' THEN ${ref.expr} END`;
    const objects = kit.alias();
    const arms = [
      `SELECT ${ref.expr} -> ${this.key(key)} AS v, 0 AS q WHERE ${memberWhen}`,
      `SELECT ${objects}.v -> ${this.key(key)}, 0 FROM jsonb_array_elements(${array}) AS ${objects}(v) ` +
        `WHERE jsonb_typeof(${objects}.v) = 'object'`,
    ];
    if (position !== null) {
      const at = kit.alias();
      // ORDINALITY counts from 1.
      arms.push(
        `SELECT ${at}.v, 1 FROM jsonb_array_elements(${array}) WITH ORDINALITY AS ${at}(v, i) ` +
          `WHERE ${at}.i = CAST(${kit.bind(position + 1, "bigint")} AS bigint)`,
      );
    }
    const alias = kit.alias();
    const candidate: PostgresRef = {
      expr: `${alias}.v`,
      mayBeMissing: true,
      positional: position === null ? null : `${alias}.q`,
    };
    const where = body(candidate);
    if (where.constant === false) return kit.FALSE;
    const filter = where.constant === true ? "" : ` WHERE ${where.sql}`;
    // OFFSET 0 fences the candidates: without it the planner pushes the rest of the path into every UNION arm,
    // doubling the plan at each step (planning time grew 4× per two path components beyond ~18).
    return kit.frag(`EXISTS (SELECT 1 FROM (${arms.join(" UNION ALL ")} OFFSET 0) AS ${alias}(v, q)${filter})`, false);
  }

  documentChild(ref: PostgresRef, key: string, position: number | null): PostgresRef {
    const member = `(${ref.expr} -> ${this.key(key)})`;
    if (position === null) return { expr: member, mayBeMissing: true, positional: null };
    const indexed = `(${ref.expr} -> CAST(${this.kit.bind(position, "integer")} AS integer))`;
    const expr = `(CASE WHEN jsonb_typeof(${ref.expr}) = 'array' THEN ${indexed} ELSE ${member} END)`;
    return { expr, mayBeMissing: true, positional: null };
  }

  expandable(ref: PostgresRef): Frag {
    return ref.positional === null ? this.kit.TRUE : this.kit.frag(`${ref.positional} = 0`, false);
  }

  mayBeMissing(ref: PostgresRef): boolean {
    return ref.mayBeMissing;
  }

  isMissing(ref: PostgresRef): Frag {
    return ref.mayBeMissing ? this.kit.frag(`${ref.expr} IS NULL`, false) : this.kit.FALSE;
  }

  isType(ref: PostgresRef, type: JsonType): Frag {
    return this.kit.frag(`jsonb_typeof(${ref.expr}) = '${TYPE_NAMES[type]}'`, ref.mayBeMissing);
  }

  someElement(ref: PostgresRef, body: (element: PostgresRef) => Frag): Frag {
    const alias = this.kit.alias();
    const where = body({ expr: `${alias}.v`, mayBeMissing: false, positional: null });
    if (where.constant === false) return this.kit.FALSE;
    const from = `SELECT 1 FROM jsonb_array_elements(${ref.expr}) AS ${alias}(v)`;
    return this.kit.frag(`EXISTS (${from}${where.constant === true ? "" : ` WHERE ${where.sql}`})`, false);
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

  eqAny(ref: PostgresRef, values: readonly string[] | readonly number[]): Frag {
    const list = values.map((v) => `CAST(${this.kit.bind(JSON.stringify(v), "jsonb")} AS jsonb)`).join(", ");
    return this.kit.frag(`${ref.expr} IN (${list})`, ref.mayBeMissing);
  }

  eqStructured(
    ref: PostgresRef,
    value: readonly JsonValue[] | { readonly [key: string]: JsonValue },
    _eq: Equality<PostgresRef>,
  ): Frag {
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
  private operand(field: FieldSpec, value: Scalar): string {
    const kit = this.kit;
    switch (field.kind) {
      case "datetime":
        // The instant's canonical text (parse.ts), read as timestamptz: microseconds compare exactly.
        return `CAST(${kit.bind(value, "timestamptz")} AS timestamptz)`;
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

  compare(column: string, field: FieldSpec, cmp: "eq" | RangeOp, value: Scalar): Frag {
    // Equality needs no collation (deterministic collations compare bytes), so the column's index still applies.
    const text = typeof value === "string" && field.kind !== "datetime";
    const left = text && cmp !== "eq" ? `${column} COLLATE "C"` : column;
    return this.kit.frag(`${left} ${OPS[cmp]} ${this.operand(field, value)}`, true);
  }

  in(column: string, field: FieldSpec, values: readonly Scalar[]): Frag {
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
