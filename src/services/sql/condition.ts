import type { Executor, QueryResult } from "../../db/database";
import type { PreparedFilter } from "../../filter";

/**
 * One statement's parameters. Every value a statement carries is bound here and named `:p0`, `:p1` …, so a filter,
 * a keyset condition and named filters combine in one statement without anyone choosing names.
 */
export class SqlParams {
  readonly values: Record<string, unknown> = {};
  private next = 0;

  /** `:pN` for one value. */
  bind(value: unknown): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `:${name}`;
  }

  /** `:...pN`, a list spread into `IN (…)`; callers never pass an empty list (see `inList`). */
  list(values: readonly unknown[]): string {
    return `:...${this.bind([...new Set(values)]).slice(1)}`;
  }
}

/**
 * A SQL boolean expression that binds its values when it is written into a statement. `matchesEverything` and
 * `matchesNothing` are known without SQL (constant folding), so the emptiness rule of bulk operations is semantic.
 */
export interface Condition {
  readonly matchesEverything: boolean;
  readonly matchesNothing: boolean;
  toSql(q: SqlParams): string;
}

export const TRUE: Condition = { matchesEverything: true, matchesNothing: false, toSql: () => "1=1" };
export const FALSE: Condition = { matchesEverything: false, matchesNothing: true, toSql: () => "1=0" };

/** A condition written by hand: `(q) => \`t."db_id" = ${q.bind(id)}\``. Values only ever go through `q`. */
export function sqlCondition(render: (q: SqlParams) => string): Condition {
  return { matchesEverything: false, matchesNothing: false, toSql: render };
}

/** A prepared filter (src/filter) over the table aliased `alias`, binding into the statement's parameters. */
export function filterCondition(filter: PreparedFilter, alias = "t"): Condition {
  if (filter.matchesEverything) return TRUE;
  if (filter.matchesNothing) return FALSE;
  return sqlCondition((q) => filter.toSql((value) => q.bind(value), alias));
}

export function and(...parts: readonly Condition[]): Condition {
  return combine(parts, "AND", FALSE, TRUE);
}

export function or(...parts: readonly Condition[]): Condition {
  return combine(parts, "OR", TRUE, FALSE);
}

/** AND/OR with constant folding: `absorbing` decides the whole, `neutral` parts drop out. */
function combine(parts: readonly Condition[], op: "AND" | "OR", absorbing: Condition, neutral: Condition): Condition {
  const kept: Condition[] = [];
  for (const part of parts) {
    if (isConstant(part, absorbing)) return absorbing;
    if (!isConstant(part, neutral)) kept.push(part);
  }
  if (kept.length === 0) return neutral;
  if (kept.length === 1 && kept[0]) return kept[0];
  return sqlCondition((q) => balanced(kept, op, q));
}

/**
 * `(a) OP (b) OP …` as a balanced tree of parenthesised halves. A flat chain parses as a left-deep tree as deep as
 * it is long: SQLite refuses expressions deeper than 1,000 ("Expression tree is too large"), so 2,000 named jobs
 * (`jobs(query: {jobIds: […]})`) failed; balanced, the depth is log2 of the count.
 */
function balanced(parts: readonly Condition[], op: "AND" | "OR", q: SqlParams): string {
  if (parts.length <= 8) return parts.map((part) => `(${part.toSql(q)})`).join(` ${op} `);
  const middle = Math.ceil(parts.length / 2);
  return `(${balanced(parts.slice(0, middle), op, q)}) ${op} (${balanced(parts.slice(middle), op, q)})`;
}

function isConstant(part: Condition, constant: Condition): boolean {
  return constant === TRUE ? part.matchesEverything : part.matchesNothing;
}

export function not(part: Condition): Condition {
  if (part.matchesEverything) return FALSE;
  if (part.matchesNothing) return TRUE;
  return sqlCondition((q) => `NOT ${part.toSql(q)}`);
}

/**
 * `column IN (…)` for a named-filter list: no list (null) is no condition; an empty list matches nothing (jobflow-
 * remote treats [] as "no condition", §5 — not copied).
 */
export function inList(column: string, values: readonly unknown[] | null | undefined): Condition {
  if (values === null || values === undefined) return TRUE;
  if (values.length === 0) return FALSE;
  return sqlCondition((q) => `${column} IN (${q.list(values)})`);
}

/** Runs one statement whose parameters `build` binds. */
export function query<T = Record<string, unknown>>(db: Executor, build: (q: SqlParams) => string): Promise<T[]> {
  const q = new SqlParams();
  const sql = build(q);
  return db.query<T>(sql, q.values);
}

/** Like `query`, with the affected-row count (INSERT/UPDATE/DELETE). */
export function run<T = Record<string, unknown>>(
  db: Executor,
  build: (q: SqlParams) => string,
): Promise<QueryResult<T>> {
  const q = new SqlParams();
  const sql = build(q);
  return db.run<T>(sql, q.values);
}
