import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Instants at microsecond precision (src/dialect/instant.ts): every `datetime` column of every table is rewritten
 * from the millisecond text hubql wrote before (`2026-11-22T10:00:00.123Z`) to the fixed-width microsecond text
 * it writes now (`2026-11-22T10:00:00.123000Z`), without loss, so text order stays time order across old and new
 * rows. The columns are found in the schema, not listed, so no table is missed.
 *
 * Values outside 0001–9999 could be written before only through an offset at the edge of the range (ISO text with
 * an extended year, `+010000-…`/`-000001-…`, or year 0000); they are clamped to the range's bounds, which every
 * store now refuses to go beyond. SQLite's own `CURRENT_TIMESTAMP` form (`2026-11-22 10:00:00`) is read as UTC.
 */
export class InstantMicroseconds1796177100000 implements MigrationInterface {
  name = "InstantMicroseconds1796177100000";

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, columns] of await datetimeColumns(queryRunner)) {
      const sets = columns.map((column) => `"${column}" = ${toMicroseconds(`"${column}"`)}`);
      const stale = columns.map((column) => `NOT ("${column}" IS NULL OR "${column}" GLOB '${CANONICAL}')`);
      await queryRunner.query(`UPDATE "${table}" SET ${sets.join(", ")} WHERE ${stale.join(" OR ")}`);
    }
  }

  /** Back to millisecond text: the microseconds beyond are dropped (the old code could not hold them). */
  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, columns] of await datetimeColumns(queryRunner)) {
      const sets = columns.map((column) => `"${column}" = substr("${column}", 1, 23) || 'Z'`);
      const current = columns.map((column) => `"${column}" GLOB '${CANONICAL}'`);
      await queryRunner.query(`UPDATE "${table}" SET ${sets.join(", ")} WHERE ${current.join(" OR ")}`);
    }
  }
}

const DIGIT = "[0-9]";
const D = (n: number) => DIGIT.repeat(n);
/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` as a GLOB (which matches the whole value). */
const CANONICAL = `${D(4)}-${D(2)}-${D(2)}T${D(2)}:${D(2)}:${D(2)}.${D(6)}Z`;
const MILLISECONDS = `${D(4)}-${D(2)}-${D(2)}T${D(2)}:${D(2)}:${D(2)}.${D(3)}Z`;
const SQLITE_NOW = `${D(4)}-${D(2)}-${D(2)} ${D(2)}:${D(2)}:${D(2)}`;

function toMicroseconds(column: string): string {
  return `CASE
    WHEN ${column} IS NULL THEN NULL
    WHEN ${column} GLOB '-*' OR ${column} GLOB '0000-*' THEN '0001-01-01T00:00:00.000000Z'
    WHEN ${column} GLOB '+*' THEN '9999-12-31T23:59:59.999999Z'
    WHEN ${column} GLOB '${CANONICAL}' THEN ${column}
    WHEN ${column} GLOB '${MILLISECONDS}' THEN substr(${column}, 1, 23) || '000Z'
    WHEN ${column} GLOB '${SQLITE_NOW}' THEN replace(${column}, ' ', 'T') || '.000000Z'
    ELSE ${column} END`;
}

/** Table → its `datetime` columns, from the schema as it is when the migration runs. */
async function datetimeColumns(queryRunner: QueryRunner): Promise<Map<string, string[]>> {
  const rows = (await queryRunner.query(
    `SELECT m.name AS "table", p.name AS "column" FROM sqlite_master m JOIN pragma_table_info(m.name) p
      WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND lower(p.type) = 'datetime' ORDER BY 1, p.cid`,
  )) as { table: string; column: string }[];
  const byTable = new Map<string, string[]>();
  for (const { table, column } of rows) byTable.set(table, [...(byTable.get(table) ?? []), column]);
  return byTable;
}
