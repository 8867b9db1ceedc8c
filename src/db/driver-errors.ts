import { QueryFailedError } from "typeorm";

import { HubqlError } from "../errors";

/**
 * What a database driver's error means, for both dialects, in one place. TypeORM wraps driver errors in a
 * QueryFailedError whose `driverError.code` is the Postgres SQLSTATE or the SQLite extended result code.
 */
export function driverErrorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const inner = (error as { driverError?: { code?: unknown } }).driverError;
  const code = inner?.code ?? (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** An error the database driver raised (as opposed to hubql's own or GraphQL's). */
export function isDriverError(error: unknown): boolean {
  return error instanceof Error && (error.name === "QueryFailedError" || "driverError" in error);
}

/** A unique or primary-key constraint refused the write (another writer got there first). */
export function isUniqueViolation(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}

/** Postgres deadlock or serialization failure: the transaction may simply be tried again. */
export function isTransientConflict(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code === "40P01" || code === "40001";
}

/**
 * Driver refusals that are the caller's doing, not a fault: text Postgres cannot store (a NUL character, SQLSTATE
 * 22021 / 22P05), a statement cancelled by `statement_timeout` (57014), a value too long for an index (Postgres
 * 54000: a B-tree entry holds at most ~2,700 bytes, so a 1 MB key is refused), a number out of a column's range
 * (22003), and a statement with more parameters than the driver takes (SQLite "too many SQL variables", Postgres'
 * 16-bit parameter count). null for anything else.
 */
export type CallerRefusal =
  "unstorable-text" | "statement-timeout" | "value-too-long" | "number-out-of-range" | "too-many-parameters";

export function callerRefusal(error: unknown): CallerRefusal | null {
  if (!isDriverError(error)) return null;
  const code = driverErrorCode(error);
  if (code === "22021" || code === "22P05") return "unstorable-text";
  if (code === "57014") return "statement-timeout";
  if (code === "54000" || code === "22001") return "value-too-long";
  if (code === "22003") return "number-out-of-range";
  const message = error instanceof Error ? error.message : "";
  if (/too many SQL variables|bind message supplies|number of parameters must be between/i.test(message)) {
    return "too-many-parameters";
  }
  return null;
}

/**
 * A statement's failure as callers see it: hubql's own errors (a request's deadline) as they are, driver errors
 * wrapped as TypeORM's QueryFailedError (as when TypeORM ran the statements), so the checks above read one shape.
 */
export function statementFailure(text: string, values: readonly unknown[], error: unknown): unknown {
  if (error instanceof HubqlError || !(error instanceof Error)) return error;
  return new QueryFailedError(text, [...values], error);
}
