import type { Limits } from "../config";
import type { Database } from "../db/database";
import { noData } from "../errors";
import { compileFilter } from "../filter";
import type { Dialect, FieldCatalogue, SqlCondition } from "../filter/types";
import type { Logger } from "../logger";

/**
 * What every service is built with. `db` is null for the `none` store (IPython's NoDB): writes are accepted and
 * dropped, reads fail with NO_DATA. Services never see GraphQL.
 */
export class ServiceContext {
  constructor(
    readonly db: Database | null,
    readonly limits: Limits,
    readonly logger: Logger,
  ) {}

  /** The dialect filters compile to; `none` validates them as SQLite would. */
  get dialect(): Dialect {
    return this.db?.dialect ?? "sqlite";
  }

  requireDb(): Database {
    if (!this.db) throw noData();
    return this.db;
  }

  /** Validates and compiles a filter; `undefined`/`null` mean "no condition" (never for destructive operations). */
  where(filter: unknown, catalogue: FieldCatalogue, tableAlias = "t", paramPrefix = "f"): SqlCondition {
    if (filter === undefined || filter === null) return { sql: "1=1", params: {} };
    return compileFilter(filter, catalogue, {
      dialect: this.dialect,
      tableAlias,
      paramPrefix,
      limits: { maxDepth: this.limits.filterMaxDepth, maxNodes: this.limits.filterMaxNodes },
    });
  }
}
