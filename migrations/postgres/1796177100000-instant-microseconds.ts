import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Instants at microsecond precision (src/dialect/instant.ts). `timestamptz` has held microseconds all along, so
 * values stay as they are; only values outside 0001–9999 (UTC), which every store now refuses, are clamped to the
 * range's bounds (they could be written before only through an offset at the edge of the range). Every
 * `timestamptz` column of every table, found in the schema.
 */
export class InstantMicroseconds1796177100000 implements MigrationInterface {
  name = "InstantMicroseconds1796177100000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const rows = (await queryRunner.query(
      `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
        WHERE table_schema = current_schema() AND data_type = 'timestamp with time zone'
        ORDER BY table_name, ordinal_position`,
    )) as { table: string; column: string }[];
    const byTable = new Map<string, string[]>();
    for (const { table, column } of rows) byTable.set(table, [...(byTable.get(table) ?? []), column]);
    for (const [table, columns] of byTable) {
      const sets = columns.map(
        (column) =>
          `"${column}" = CASE WHEN "${column}" < ${MIN} THEN ${MIN} WHEN "${column}" > ${MAX} THEN ${MAX} ELSE "${column}" END`,
      );
      const outside = columns.map((column) => `"${column}" < ${MIN} OR "${column}" > ${MAX}`);
      await queryRunner.query(`UPDATE "${table}" SET ${sets.join(", ")} WHERE ${outside.join(" OR ")}`);
    }
  }

  async down(): Promise<void> {
    // Nothing to undo: clamped values were out of range.
  }
}

const MIN = `CAST('0001-01-01 00:00:00+00' AS timestamptz)`;
const MAX = `CAST('9999-12-31 23:59:59.999999+00' AS timestamptz)`;
