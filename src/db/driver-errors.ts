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
