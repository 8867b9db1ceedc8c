import type { Dialect } from "../../dialect";

/**
 * The store's clock in epoch milliseconds, as SQL (the same within one statement): what change capture's triggers
 * read (migrations/<dialect>/change-capture.ts), so leases and log rows written from TypeScript agree with them.
 */
export function storeNowMs(dialect: Dialect): string {
  return dialect === "postgres"
    ? `floor(extract(epoch FROM now()) * 1000)::bigint`
    : `CAST(unixepoch('subsec') * 1000 AS integer)`;
}
