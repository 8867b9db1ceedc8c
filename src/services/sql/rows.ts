import { setImmediate as nextTurn } from "node:timers/promises";

import { type Executor, MAX_BOUND_PARAMETERS, type QueryResult, type ScriptStatement } from "../../db/database";
import type { RowCodec } from "../../db/row-codec";
import type { Dialect, FieldSpec } from "../../dialect";
import { type Condition, inList, query } from "./condition";
import { aliased, quoted, type TableName } from "./tables";

/**
 * Row reads and writes shared by every service. Column pruning is a parameter of every read: `fields` names the
 * properties to read (every field of the codec when omitted), and `selectList` is the one place that spells them.
 */

/** `t."msg_id" AS "msgId", …` for `fields` (every field of the codec when omitted). */
export function selectList(codec: RowCodec, fields?: readonly string[], alias = codec.tableAlias): string {
  const specs = fields ? fields.map((name) => codec.field(name)) : codec.catalogue.fields;
  const prefix = alias === "" ? "" : `${alias}.`;
  return specs.map((field) => `${prefix}"${field.column}" AS "${field.name}"`).join(", ");
}

/** The same without an alias, for `RETURNING` (an INSERT/UPDATE target has no alias on SQLite). */
export function returningList(codec: RowCodec, fields?: readonly string[]): string {
  return selectList(codec, fields, "");
}

/**
 * The properties a read needs: every field when `asked` is undefined (no selection known), else `always` plus the
 * asked ones the codec knows (GraphQL-only fields such as `__typename` drop out).
 */
export function readFields(codec: RowCodec, asked: readonly string[] | undefined, always: readonly string[]): string[] {
  if (!asked) return codec.catalogue.fields.map((field) => field.name);
  return [...new Set([...always, ...asked.filter((field) => codec.has(field))])];
}

export interface RowsQuery {
  /** The table, aliased as the codec qualifies (`t`). */
  readonly table: TableName;
  readonly codec: RowCodec;
  /** Properties to read; every field of the codec when omitted. */
  readonly fields?: readonly string[];
  readonly where: Condition;
  /** `ORDER BY` text over qualified columns, never user text. */
  readonly orderBy?: string;
  readonly limit?: number;
  /** Rows to skip (after `orderBy`). */
  readonly offset?: number;
  /** `FOR UPDATE` on Postgres (row locks until commit); SQLite's write transaction is exclusive already. */
  readonly forUpdate?: boolean;
}

/** `SELECT <fields> FROM <table> t WHERE … [ORDER BY …] [LIMIT …] [OFFSET …] [FOR UPDATE]`, decoded. */
export async function selectRows<T>(db: Executor, read: RowsQuery): Promise<T[]> {
  const rows = await query(db, (q) => {
    const order = read.orderBy ? ` ORDER BY ${read.orderBy}` : "";
    // SQLite needs a LIMIT before an OFFSET: -1 is "no limit" there; Postgres takes LIMIT ALL.
    const noLimit = db.dialect === "sqlite" ? "-1" : "ALL";
    const limit =
      read.limit === undefined
        ? read.offset
          ? ` LIMIT ${noLimit} OFFSET ${q.bind(read.offset)}`
          : ""
        : ` LIMIT ${q.bind(read.limit)}${read.offset ? ` OFFSET ${q.bind(read.offset)}` : ""}`;
    const lock = read.forUpdate && db.dialect === "postgres" ? " FOR UPDATE" : "";
    return `SELECT ${selectList(read.codec, read.fields)} FROM ${aliased(read.table, read.codec.tableAlias)} WHERE ${read.where.toSql(q)}${order}${limit}${lock}`;
  });
  return read.codec.decodeAll<T>(rows);
}

export interface RowsByKey<K extends string | number> {
  readonly table: TableName;
  readonly codec: RowCodec;
  /** The (unique) property the keys name, e.g. `msgId`, `uuid`, `id`. */
  readonly property: string;
  readonly keys: readonly K[];
  /** Properties to read; every field of the codec when omitted. `property` is always read. */
  readonly fields?: readonly string[];
}

/**
 * Rows for the keys asked, in that order, null where none: one `IN (…)` statement for any number of keys. What
 * DataLoaders and federation `_entities` call, so a list of references never costs a statement per reference.
 */
export async function rowsByKey<T extends object, K extends string | number>(
  db: Executor,
  lookup: RowsByKey<K>,
): Promise<(T | null)[]> {
  if (lookup.keys.length === 0) return [];
  const rows = await selectRows<T>(db, {
    table: lookup.table,
    codec: lookup.codec,
    fields: lookup.fields && [...new Set([lookup.property, ...lookup.fields])],
    where: inList(lookup.codec.column(lookup.property), lookup.keys),
  });
  const byKey = new Map<string, T>();
  for (const row of rows) byKey.set(String((row as Record<string, unknown>)[lookup.property]), row);
  return lookup.keys.map((key) => byKey.get(String(key)) ?? null);
}

export interface InsertRows {
  readonly table: TableName;
  readonly codec: RowCodec;
  /** Properties to write, each row's value encoded by the codec; every field of the codec when omitted. */
  readonly properties?: readonly string[];
  readonly rows: readonly object[];
  /** SQL after VALUES, e.g. an `ON CONFLICT … DO UPDATE`; never user text. */
  readonly onConflict?: string;
  /**
   * Return the stored rows (every column, decoded), ordered by this property — RETURNING has no order; ids that
   * grow with insert order give it back.
   */
  readonly returningOrderedBy?: string;
  /** For insertStatements: RETURNING these properties of the rows written (not decoded). */
  readonly returning?: readonly string[];
}

/**
 * Most rows one INSERT carries. Encoding a statement's values (and the driver serialising them) is synchronous
 * work on the event loop: ~5 ms per 1,000 task records; past that, readers beside a large ingest waited for it
 * (2,000-record batches: reader p90 above 100 ms on a loaded 2-core machine). A batch is cut in statements of this
 * size so that each is encoded while the one before it runs (see insertRows).
 */
export const ROWS_PER_INSERT = 250;

/**
 * Multi-row INSERTs, as few statements as the driver's bound-parameter limit and ROWS_PER_INSERT allow (rows per
 * statement = MAX_BOUND_PARAMETERS ÷ columns, at most ROWS_PER_INSERT), with positional parameters: one array of
 * encoded values per statement, and the statement's text built once per shape (rows × columns), so repeated batches
 * of one size send the same text (SQLite's threads reuse the prepared statement). Returns the stored rows when
 * `returningOrderedBy` asks for them, else []. Named parameters cost more than the INSERT itself at this size (1,000
 * records × 25 columns: 25,000 names bound, then rewritten — a third of an ingest's CPU).
 *
 * The statements are pipelined: the next is encoded while one runs (on SQLite's writer thread, or in Postgres), and
 * sent when it has ended. A failure ends the loop: nothing more is sent, and no statement is left running.
 */
export async function insertRows<T = Record<string, unknown>>(db: Executor, insert: InsertRows): Promise<T[]> {
  const statements = insertStatements(db.dialect, insert);
  const results: QueryResult<Record<string, unknown>>[] = [];
  let running: Promise<QueryResult<Record<string, unknown>>> | undefined;
  try {
    for (let i = 0; i < statements.length; i++) {
      const { text, values } = (statements[i] as () => ScriptStatement)();
      // One statement at a time on the connection (node-postgres deprecates queueing); a failure stops here.
      if (running) results.push(await running);
      running = db.runPositional(text, values);
      if (i + 1 < statements.length) {
        // Awaited on the next turn; until then its failure must not count as unhandled.
        void running.catch(() => undefined);
        // One turn of the event loop: the statement just made is on its way before the next is encoded.
        await nextTurn();
      }
    }
    if (running) results.push(await running);
  } catch (error) {
    // Nothing may still be running when the caller's transaction rolls back (an encoder refused a later row).
    await running?.catch(() => undefined);
    throw error;
  }
  if (!insert.returningOrderedBy) return [];
  const by = insert.returningOrderedBy;
  const stored: T[] = [];
  for (const { rows } of results) {
    rows.sort((a, b) => Number(a[by]) - Number(b[by]));
    for (const row of rows) stored.push(insert.codec.decode<T>(row));
  }
  return stored;
}

/**
 * The statements of `insert` as insertRows sends them, each encoded when called: a batch's rows are encoded a
 * statement at a time, while the statement before runs.
 */
export function insertStatements(dialect: Dialect, insert: InsertRows): (() => ScriptStatement)[] {
  const fields = (insert.properties ?? insert.codec.catalogue.fields.map((field) => field.name)).map((name) =>
    insert.codec.field(name),
  );
  const encoders = fields.map((field) => insert.codec.encoder(field.name));
  const perStatement = Math.max(
    1,
    Math.min(ROWS_PER_INSERT, Math.floor(MAX_BOUND_PARAMETERS[dialect] / fields.length)),
  );
  // Every column for returningOrderedBy; the properties named for `returning`.
  const returning = insert.returningOrderedBy
    ? ` RETURNING ${returningList(insert.codec)}`
    : insert.returning
      ? ` RETURNING ${returningList(insert.codec, insert.returning)}`
      : "";
  const head = `INSERT INTO ${quoted(insert.table)} (${fields.map((field) => `"${field.column}"`).join(", ")}) VALUES `;
  const tail = `${insert.onConflict ? ` ${insert.onConflict}` : ""}${returning}`;
  const statements: (() => ScriptStatement)[] = [];
  for (let start = 0; start < insert.rows.length; start += perStatement) {
    statements.push(() => {
      const chunk = insert.rows.slice(start, start + perStatement);
      const values = new Array<unknown>(chunk.length * fields.length);
      let i = 0;
      for (const row of chunk) {
        const record = row as Record<string, unknown>;
        for (let f = 0; f < fields.length; f++)
          values[i++] = (encoders[f] as Encoder)(record[(fields[f] as FieldSpec).name]);
      }
      return { text: head + placeholders(dialect, chunk.length, fields.length) + tail, values };
    });
  }
  return statements;
}

type Encoder = (value: unknown) => unknown;

/**
 * `(?, ?), (?, ?)` or `($1, $2), ($3, $4)` for rows × columns (one row: an `IN` list), the last few shapes kept (a
 * batch is one shape).
 */
export function placeholders(dialect: Dialect, rows: number, columns: number): string {
  const key = `${dialect}:${rows}:${columns}`;
  let text = PLACEHOLDERS.get(key);
  if (text === undefined) {
    const tuples = new Array<string>(rows);
    for (let r = 0; r < rows; r++) {
      const marks = new Array<string>(columns);
      for (let c = 0; c < columns; c++) marks[c] = dialect === "postgres" ? `$${r * columns + c + 1}` : "?";
      tuples[r] = `(${marks.join(", ")})`;
    }
    text = tuples.join(", ");
    if (PLACEHOLDERS.size >= 32) PLACEHOLDERS.delete(PLACEHOLDERS.keys().next().value as string);
    PLACEHOLDERS.set(key, text);
  }
  return text;
}

const PLACEHOLDERS = new Map<string, string>();
