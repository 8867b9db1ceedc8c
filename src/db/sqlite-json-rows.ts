/**
 * A SELECT's rows as one JSON text, `[[v1, v2, …], …]`, built by SQLite's JSON functions: what a SQLite reader thread
 * answers with (sqlite-worker.ts), with no JS value per cell and no JSON.stringify. A 100-row page of the task list:
 * 267–302 µs against 398–415 µs for the rows as arrays and their JSON text (the statement itself with its arrays:
 * 327–362 µs). Same values: text as strings, integers and reals as their shortest exact decimal (SQLite prints up to
 * 17 digits), NULL as null; a BLOB stops it (SQLite refuses), and so would -0.0, which it prints as 0.0
 * (`mayHoldNegativeZero`). Row order is the statement's: SQLite keeps a FROM-subquery's ORDER BY under an aggregate
 * that depends on order, and does not flatten an ordered subquery into an aggregate
 * (test/execution/sqlite-json-rows.test.ts).
 *
 * The statement wrapping `sql`, whose result `columns` are given; null when two of them share a name.
 */
export function jsonRowsSql(sql: string, columns: readonly string[]): string | null {
  if (new Set(columns).size !== columns.length) return null;
  const cells = columns.map((column) => `"${column.replace(/"/g, '""')}"`).join(", ");
  return `SELECT json_group_array(json_array(${cells})) FROM (${sql})`;
}

/**
 * Whether a result column may hold -0.0: an expression (no declared type; `SELECT ?` of a bound -0), or a column of
 * BLOB affinity (declared without a type, or as BLOB), which keeps a REAL as it comes. The other affinities keep an
 * integral REAL as an integer (INTEGER, NUMERIC; REAL on disk, read back as +0.0) or as text (TEXT). hubql's
 * columns are all declared with one of those (text, integer, json, datetime …).
 */
export function mayHoldNegativeZero(declared: string | null): boolean {
  if (declared === null) return true;
  const type = declared.toUpperCase();
  if (type.includes("INT") || /CHAR|CLOB|TEXT/.test(type)) return false;
  return type.includes("BLOB") || type.trim() === "";
}
