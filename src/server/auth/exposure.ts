import { isIP } from "node:net";

import type { Config } from "../../config";
import type { Logger } from "../../logger";
import type { TokenStore } from "./tokens";

/**
 * With no tokens, anyone who reaches the port may purge and delete. So: loopback only, said loudly at start;
 * any other address needs tokens or the explicit HUBQL_ALLOW_UNAUTHENTICATED_NETWORK=1 (issue #7).
 */
export function checkExposure(config: Pick<Config, "host" | "auth">, tokens: TokenStore, logger: Logger): void {
  if (tokens.enabled) {
    logger.info("authentication on", { tokens: tokens.size });
    return;
  }
  if (isLoopback(config.host)) {
    logger.warn(
      "authentication off: no tokens configured (HUBQL_TOKENS / HUBQL_TOKENS_FILE); listening on loopback only",
      { host: config.host },
    );
    return;
  }
  if (!config.auth.allowUnauthenticatedNetwork) {
    throw new Error(
      `Refusing to listen on ${config.host} without authentication: configure HUBQL_TOKENS or HUBQL_TOKENS_FILE, ` +
        "or set HUBQL_ALLOW_UNAUTHENTICATED_NETWORK=1 to accept that anyone reaching the port is an admin.",
    );
  }
  logger.warn(
    "authentication off on a network address (HUBQL_ALLOW_UNAUTHENTICATED_NETWORK=1): anyone reaching the port is an admin",
    {
      host: config.host,
    },
  );
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1" || bare === "::ffff:127.0.0.1";
}
