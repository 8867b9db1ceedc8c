import type { Config, Limits } from "../../config";
import type { Database } from "../../db/database";
import type { RequestScope } from "../../db/request-scope";
import type { Dialect, FieldCatalogue } from "../../dialect";
import { noData } from "../../errors";
import { type PreparedFilter, prepareFilter } from "../../filter";
import type { Logger } from "../../logger";
import { type Condition, filterCondition, TRUE } from "../sql";

/** The part of the configuration services read (passed down from the entry point, never read from the environment). */
export type ServiceConfig = Pick<Config, "limits" | "jobflow" | "subscriptions">;

/**
 * What every service is built with. `db` is null for the `none` store (IPython's NoDB): writes are accepted and
 * dropped, reads fail with NO_DATA. Services never see GraphQL. The process's own context has the store unbounded;
 * `forRequest` gives one request's, whose statements its scope bounds (src/db/request-scope.ts).
 */
export class ServiceContext {
  constructor(
    readonly db: Database | null,
    readonly config: ServiceConfig,
    readonly logger: Logger,
    private readonly shared = new Map<symbol, unknown>(),
  ) {}

  /** The same context for one request: the store bounded by its scope, the process-wide objects shared. */
  forRequest(scope: RequestScope): ServiceContext {
    return new ServiceContext(this.db?.forRequest(scope) ?? null, this.config, this.logger, this.shared);
  }

  /** The one object of the process under `key` (made on first use), whichever request's services ask for it. */
  perProcess<T>(key: symbol, make: () => T): T {
    if (!this.shared.has(key)) this.shared.set(key, make());
    return this.shared.get(key) as T;
  }

  get limits(): Limits {
    return this.config.limits;
  }

  /** The dialect filters compile to; `none` validates them as SQLite would. */
  get dialect(): Dialect {
    return this.db?.dialect ?? "sqlite";
  }

  requireDb(): Database {
    if (!this.db) throw noData();
    return this.db;
  }

  /** Validates a filter once (BAD_USER_INPUT / LIMIT_EXCEEDED) against the configured filter limits. */
  prepareFilter(filter: unknown, catalogue: FieldCatalogue): PreparedFilter {
    return prepareFilter(filter, catalogue, {
      dialect: this.dialect,
      limits: { maxDepth: this.limits.filterMaxDepth, maxNodes: this.limits.filterMaxNodes },
    });
  }

  /** A filter as a condition over the table aliased `t`; `undefined`/`null` mean "no condition". */
  where(filter: unknown, catalogue: FieldCatalogue): Condition {
    if (filter === undefined || filter === null) return TRUE;
    return filterCondition(this.prepareFilter(filter, catalogue));
  }
}
