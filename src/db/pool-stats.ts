import type { DataSource } from "typeorm";

/** Connections of a Postgres pool: open, idle, and clients waiting for one. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/**
 * The pg.Pool behind TypeORM's Postgres driver (`driver.master`, not part of TypeORM's typed API: read defensively).
 * null for SQLite (one connection, no pool) or when the pool is not there.
 */
export function poolStats(dataSource: DataSource): PoolStats | null {
  if (dataSource.options.type !== "postgres") return null;
  const pool = (dataSource.driver as { master?: { totalCount?: number; idleCount?: number; waitingCount?: number } })
    .master;
  if (!pool) return null;
  return { total: pool.totalCount ?? 0, idle: pool.idleCount ?? 0, waiting: pool.waitingCount ?? 0 };
}
