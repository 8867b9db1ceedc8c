/**
 * SQL fragments and parameters for the emitters. Internal to the filter compiler.
 *
 * A fragment is one SQL boolean expression. SQL has three truth values and Mongo two, so every fragment says
 * whether it can be NULL; `not()` then negates `COALESCE(x, FALSE)` instead of `x`, which keeps "NULL means no
 * match" from turning into "NOT NULL means no match" (the `$ne`-drops-nulls trap, prior-art.md §4 item 2).
 * AND/OR/CASE/EXISTS treat NULL like FALSE already, so only negation needs the guard.
 */
import type { Bind, Dialect } from "./types";

export interface Frag {
  readonly sql: string;
  /** True when the expression can evaluate to SQL NULL. */
  readonly nullable: boolean;
  /** Set when the value is known at compile time. */
  readonly constant?: boolean;
}

/**
 * Collects parameter values and hands out their `:name`s. A scalar bound twice for the same use shares one name;
 * `use` keeps apart parameters Postgres must type differently (it infers a parameter's type from its first cast).
 */
export class Params {
  private readonly seen = new Map<string, string>();

  /** `bind` names each new value in the statement's parameter collector. */
  constructor(private readonly name: Bind) {}

  bind(value: unknown, use = ""): string {
    const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
    const key = scalar ? `${use}|${typeof value}|${String(value)}` : undefined;
    const known = key === undefined ? undefined : this.seen.get(key);
    if (known !== undefined) return known;
    const name = this.name(value);
    if (key !== undefined) this.seen.set(key, name);
    return name;
  }
}

export class SqlKit {
  readonly TRUE: Frag;
  readonly FALSE: Frag;
  private aliasCount = 0;

  constructor(
    readonly dialect: Dialect,
    readonly params: Params,
  ) {
    this.TRUE = { sql: dialect === "postgres" ? "TRUE" : "1", nullable: false, constant: true };
    this.FALSE = { sql: dialect === "postgres" ? "FALSE" : "0", nullable: false, constant: false };
  }

  /** A parameter; `use` names how the SQL types it (Postgres: the cast or the column), see `Params`. */
  bind(value: unknown, use = ""): string {
    return this.params.bind(value, use);
  }

  /** A fresh alias for a table-valued function in a subquery. */
  alias(): string {
    return `_e${this.aliasCount++}`;
  }

  frag(sql: string, nullable: boolean): Frag {
    return { sql, nullable };
  }

  constant(value: boolean): Frag {
    return value ? this.TRUE : this.FALSE;
  }

  and(parts: readonly Frag[]): Frag {
    return this.combine(parts, "AND", false);
  }

  or(parts: readonly Frag[]): Frag {
    return this.combine(parts, "OR", true);
  }

  /** AND/OR with constant folding: `absorbing` decides the whole (FALSE for AND, TRUE for OR); the other drops out. */
  private combine(parts: readonly Frag[], op: "AND" | "OR", absorbing: boolean): Frag {
    const kept: Frag[] = [];
    for (const part of parts) {
      if (part.constant === absorbing) return this.constant(absorbing);
      if (part.constant !== !absorbing) kept.push(part);
    }
    if (kept.length === 0) return this.constant(!absorbing);
    if (kept.length === 1 && kept[0]) return kept[0];
    return { sql: balanced(kept, op), nullable: kept.some((p) => p.nullable) };
  }

  not(part: Frag): Frag {
    if (part.constant !== undefined) return this.constant(!part.constant);
    const inner = part.nullable ? `COALESCE(${part.sql}, ${this.FALSE.sql})` : part.sql;
    return { sql: `(NOT ${inner})`, nullable: false };
  }

  /** `CASE WHEN <guard> THEN <then> ELSE FALSE END`: evaluation order is guaranteed (Postgres reorders AND). */
  guarded(guard: Frag, then: Frag): Frag {
    if (guard.constant === false || then.constant === false) return this.FALSE;
    if (guard.constant === true) return then;
    return { sql: `CASE WHEN ${guard.sql} THEN ${then.sql} ELSE ${this.FALSE.sql} END`, nullable: then.nullable };
  }
}

/**
 * `(a OP b OP …)`, grouped into a balanced tree past a few operands: SQLite parses `a OR b OR c …` into a chain
 * as deep as it is long and refuses expression trees deeper than 1000 (counted across nested subqueries).
 */
function balanced(parts: readonly Frag[], op: "AND" | "OR"): string {
  if (parts.length <= 4) return `(${parts.map((p) => p.sql).join(` ${op} `)})`;
  const half = Math.ceil(parts.length / 2);
  return `(${balanced(parts.slice(0, half), op)} ${op} ${balanced(parts.slice(half), op)})`;
}

const SIMPLE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `t."column"` (or `"column"`); the alias is quoted only when it has to be. */
export function columnReference(column: string, tableAlias: string | undefined): string {
  const quoted = quoteIdentifier(column);
  if (tableAlias === undefined || tableAlias === "") return quoted;
  return `${SIMPLE_IDENTIFIER.test(tableAlias) ? tableAlias : quoteIdentifier(tableAlias)}.${quoted}`;
}

export function checkParamPrefix(prefix: string): void {
  // TypeORM finds parameters with /:([A-Za-z0-9_.]+)/: a prefix with other characters would not be found.
  if (!SIMPLE_IDENTIFIER.test(prefix)) {
    throw new Error(`filter compiler: paramPrefix must match ${SIMPLE_IDENTIFIER.source}, got '${prefix}'`);
  }
}
