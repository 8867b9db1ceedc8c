import { TABLES, type TableName } from "../../db/entities/tables";

export { TABLES, type TableName };

/** `"task_records" t`: a table with the alias its statement qualifies columns with. */
export function aliased(table: TableName, alias = "t"): string {
  return `"${table}" ${alias}`;
}

/** `"task_records"`. */
export function quoted(table: TableName): string {
  return `"${table}"`;
}
