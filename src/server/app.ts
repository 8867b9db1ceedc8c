import type { AddressInfo } from "node:net";
import type { Server } from "node:http";

import type { GraphQLSchema } from "graphql";

import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";

import type { Config } from "../config";
import { parseDatabaseUrl, redact } from "../db/database-url";
import { openStore } from "../db/open-store";
import type { RequestContext } from "../graphql/shared/context";
import { buildHubqlSchema } from "../graphql/schema";
import type { Logger } from "../logger";
import { createServices, ServiceContext, type Services } from "../services";
import { checkExposure } from "./auth/exposure";
import { protectLockIds } from "./auth/lease-secrecy";
import { TokenStore } from "./auth/tokens";
import { createErrorFormatter } from "./format-error";
import { Admission } from "./limits/admission";
import { enforceListCaps } from "./limits/list-fields";
import { compiledExecution } from "./compiled-execution";
import { createHttpServer } from "./http-server";
import { Metrics } from "./metrics";
import { requestPlugin } from "./request-plugin";
import { attachSubscriptions } from "./subscription-server";

export interface App {
  readonly server: Server;
  readonly services: Services;
  readonly apollo: ApolloServer<RequestContext>;
  /** `http://host:port` once listening. */
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/**
 * The composition root: everything up to (not including) the HTTP listener — store and migrations, services,
 * schema, Apollo — built from one Config and passed down explicitly.
 */
export async function createGateway(
  config: Config,
  logger: Logger,
): Promise<{ apollo: ApolloServer<RequestContext>; services: Services; metrics: Metrics; schema: GraphQLSchema }> {
  const db = await openStore(config);
  const metrics = new Metrics();
  metrics.observeDatabase(db);
  const admission = new Admission(config.limits.concurrentCost);
  metrics.observeAdmission(admission);
  const store = parseDatabaseUrl(config.databaseUrl).kind;
  logger.info("store ready", { store, url: redact(config.databaseUrl), migrations: "applied" });
  const services = createServices(new ServiceContext(db, config, logger));
  const schema = protectLockIds(enforceListCaps(await buildHubqlSchema(), config.limits));
  const formatError = createErrorFormatter(logger);
  const compiled = config.compiledExecution ? compiledExecution(schema, metrics, formatError) : null;
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError,
    // Apollo's own messages ("Enabling inline tracing…") go through our structured log, not the console.
    logger: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.debug(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
    includeStacktraceInErrorResponses: false,
    // Explicit, so NODE_ENV=production (which Apollo would read to turn it off) changes nothing here.
    introspection: config.introspection,
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM: Apollo would otherwise stop itself and re-raise the signal mid-shutdown.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: config.limits.maxQueryTokens },
    // No network at run time: no Apollo landing page from a CDN (we serve our own playground), no reporting.
    // No cache-control plugin: hubql gives no cache hints, yet the plugin wraps every field resolver of every
    // request to collect them (about 6 % of a 100-row list's CPU, measured); http-server.ts sends its only
    // answer, `cache-control: no-store`, itself.
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      requestPlugin(config.limits, admission, metrics, compiled),
    ],
  });
  await apollo.start();
  return { apollo, services, metrics, schema };
}

export async function startApp(config: Config, logger: Logger): Promise<App> {
  // Refuse an exposed, unauthenticated listener before opening anything (docs/security.md).
  const tokens = TokenStore.fromConfig(config.auth);
  checkExposure(config, tokens, logger);
  const { apollo, services, metrics, schema } = await createGateway(config, logger);
  // Periodic job-load snapshots (Scale's hourly clock rule), off unless HUBQL_JOB_LOAD_INTERVAL_SECONDS is set.
  if (config.jobLoadIntervalSeconds && services.context.db) services.queue.jobLoad.start(config.jobLoadIntervalSeconds);
  const server = createHttpServer({ config, apollo, services, logger, tokens, metrics });
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  // Subscriptions: graphql-ws on the same /graphql path (docs/subscriptions.md).
  const subscriptions = attachSubscriptions({ server, schema, config, services, tokens, logger, metrics });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info("hubql listening", { graphql: `${url}/graphql`, playground: `${url}/graphql`, health: `${url}/healthz` });
  let closing: Promise<void> | undefined;
  return {
    server,
    services,
    apollo,
    url,
    close: () =>
      (closing ??= (async () => {
        // Open subscriptions would hold the listener open: end them first (1001 Going away).
        await subscriptions.close();
        await services.changes.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await apollo.stop();
        await services.queue.jobLoad.stop();
        await services.context.db?.close();
      })()),
  };
}
