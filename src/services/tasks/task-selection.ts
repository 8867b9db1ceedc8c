import { badInput } from "../../errors";

/** The task-record table with the alias the filter compiler qualifies columns with. */
export const TASKS = `"task_records" t`;

/**
 * `{}` selects everything in a query (ipython-hub.md §15), which is right for reading and wrong as the target of
 * a purge or resubmit: those must name what they touch.
 */
export function isEmptyFilter(filter: unknown): boolean {
  return filter !== null && typeof filter === "object" && !Array.isArray(filter) && Object.keys(filter).length === 0;
}

export function validateMaxLimit(maxLimit: number | null | undefined): void {
  if (maxLimit !== undefined && maxLimit !== null && (!Number.isInteger(maxLimit) || maxLimit < 0)) {
    throw badInput(`maxLimit must be a non-negative integer, got ${maxLimit}`, "maxLimit");
  }
}
