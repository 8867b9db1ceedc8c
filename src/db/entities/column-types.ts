import type { ColumnType } from "typeorm";

import type { Dialect } from "../../dialect";

/**
 * Semantic column types mapped per dialect. Entities are built by factories that take the dialect, so one process
 * (a test run, say) can hold a SQLite and a Postgres store at once.
 */
export interface ColumnTypes {
  /** Any JSON value: SQLite `json` (text), Postgres `jsonb`. */
  readonly json: ColumnType;
  /** An instant: SQLite `datetime` holding ISO-8601 UTC text (sorts as instants), Postgres `timestamptz`. */
  readonly instant: ColumnType;
  readonly text: ColumnType;
  readonly integer: ColumnType;
  readonly bigint: ColumnType;
  readonly boolean: ColumnType;
  readonly real: ColumnType;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  return dialect === "postgres"
    ? {
        json: "jsonb",
        instant: "timestamptz",
        text: "text",
        integer: "integer",
        bigint: "bigint",
        boolean: "boolean",
        real: "double precision",
      }
    : {
        json: "json",
        instant: "datetime",
        text: "text",
        integer: "integer",
        bigint: "integer",
        boolean: "boolean",
        real: "real",
      };
}
