import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";

import {
  type DocumentNode,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { type WebSocket, WebSocketServer } from "ws";

import type { Config } from "../config";
import { ErrorCode, HubqlError, limitExceeded } from "../errors";
import { createRequestContext } from "../graphql/shared/context";
import type { Logger } from "../logger";
import { ANONYMOUS, type Principal } from "../principal";
import type { Services } from "../services";
import type { TokenStore } from "./auth/tokens";
import { createErrorFormatter, errorBody } from "./format-error";
import { guardOperation } from "./guard-plugin";
import type { Metrics } from "./metrics";
import { authenticateConnection, isRefusal } from "./subscriptions/connection-auth";
import { subscribeWithEventLoaders } from "./subscriptions/event-execution";
import { SLOW_CONSUMER, SlowConsumers } from "./subscriptions/slow-consumers";

export interface SubscriptionDeps {
  readonly server: Server;
  readonly schema: GraphQLSchema;
  readonly config: Config;
  readonly services: Services;
  readonly tokens: TokenStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface SubscriptionServer {
  /** Open WebSocket connections. */
  readonly connections: number;
  /** Closes every connection (1001 Going away) and stops accepting. */
  close(): Promise<void>;
}

/** Paths that upgrade: the GraphQL endpoint (and `/`, which serves GraphQL too). */
const PATHS = new Set(["/graphql", "/"]);
/** A client that opens a socket and never sends connection_init is closed (4408) after this. */
const CONNECTION_INIT_TIMEOUT_MS = 10_000;
/** Ping period; a peer that misses a pong for as long is dropped. */
const KEEP_ALIVE_MS = 12_000;

/**
 * GraphQL subscriptions over the graphql-ws protocol (`graphql-transport-ws`) on the same path as POST /graphql
 * (docs/subscriptions.md). Every bound is here: connections per process (refused at upgrade with 503),
 * subscriptions per connection (LIMIT_EXCEEDED for the one too many), message size (HUBQL_MAX_BODY_BYTES), the
 * credentials in connection_init (checked before any subscription), the same authorization and depth/cost limits
 * as HTTP (`guardOperation`), and slow consumers (closed, 1008). The socket carries subscriptions only: queries
 * and mutations go over HTTP, where their own limits live.
 */
export function attachSubscriptions(deps: SubscriptionDeps): SubscriptionServer {
  const { config, logger, metrics, services, schema, tokens } = deps;
  const limits = config.subscriptions;
  const format = createErrorFormatter(logger);
  const principals = new WeakMap<WebSocket, Principal>();
  const rules = config.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes });
  const slow = new SlowConsumers(limits.sendTimeoutMs, (socket, waitedMs) => {
    logger.warn("slow subscription consumer disconnected", { waitedMs });
    metrics.subscriptionDisconnects.inc({ reason: "slow_consumer" });
    socket.close(SLOW_CONSUMER, `Slow consumer: a message waited ${waitedMs} ms to be taken; re-read and reconnect`);
  });
  // Before useServer's own listener, so graphql-ws sends through the watched `send`.
  wss.on("connection", (socket: WebSocket) => slow.watch(socket));
  metrics.observeSubscriptions(() => ({ connections: wss.clients.size, subscriptions: services.changes.active }));

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = URL.canParse(req.url ?? "/", "http://localhost")
      ? new URL(req.url ?? "/", "http://localhost").pathname
      : "";
    if (!PATHS.has(path))
      return refuseUpgrade(socket, 404, `no WebSocket route ${path}; subscriptions are at /graphql`);
    if (wss.clients.size >= limits.maxConnections) {
      metrics.subscriptionDisconnects.inc({ reason: "connection_limit" });
      return refuseUpgrade(
        socket,
        503,
        `${limits.maxConnections} subscription connections are open (HUBQL_SUBSCRIPTION_MAX_CONNECTIONS); retry later`,
      );
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  };
  deps.server.on("upgrade", upgrade);

  const graphqlWs = useServer(
    {
      schema,
      isProd: true,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      onConnect: (ctx) => {
        const who = authenticateConnection(tokens, ctx.connectionParams);
        if (isRefusal(who)) {
          metrics.subscriptionDisconnects.inc({ reason: "unauthenticated" });
          metrics.errors.inc({ code: ErrorCode.UNAUTHENTICATED });
          ctx.extra.socket.close(who.code, who.reason);
          return false;
        }
        principals.set(ctx.extra.socket, who);
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const principal = principals.get(ctx.extra.socket) ?? ANONYMOUS;
        // ctx.subscriptions already holds this one.
        if (Object.keys(ctx.subscriptions).length > limits.maxPerConnection) {
          return [
            limitExceeded(
              `A connection may hold ${limits.maxPerConnection} subscriptions (HUBQL_SUBSCRIPTIONS_PER_CONNECTION)`,
              { limit: "subscriptionsPerConnection", maximum: limits.maxPerConnection },
            ),
          ];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: config.limits.maxQueryTokens });
        } catch (error) {
          return [protocolError(error, "GRAPHQL_PARSE_FAILED")];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) return invalid.map((error) => protocolError(error, "GRAPHQL_VALIDATION_FAILED"));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return [new HubqlError("OPERATION_RESOLUTION_FAILURE", "No operation of that name, or several without one")];
        }
        if (operation.operation !== "subscription") {
          return [
            new HubqlError(
              "BAD_REQUEST",
              `This socket carries subscriptions; send ${operation.operation === "query" ? "queries" : "mutations"} with POST /graphql`,
            ),
          ];
        }
        const variables = payload.variables ?? undefined;
        try {
          guardOperation({ schema, operation, document, variables, principal }, config.limits);
        } catch (error) {
          if (error instanceof HubqlError) return [error];
          throw error;
        }
        for (const selection of operation.selectionSet.selections) {
          if (selection.kind === "Field") metrics.rootFields.inc({ type: "subscription", field: selection.name.value });
        }
        return {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: variables ?? null,
          contextValue: createRequestContext(services, randomUUID(), principal),
        };
      },
      subscribe: subscribeWithEventLoaders,
      onNext: (_ctx, _id, _payload, _args, result) => {
        metrics.subscriptionEvents.inc({});
        if (!result.errors?.length) return undefined;
        const errors = result.errors.map((error) => format(error.toJSON(), error));
        for (const error of errors) metrics.errors.inc({ code: String(error.extensions?.["code"]) });
        return { ...result, errors };
      },
      onError: (_ctx, _id, _payload, errors) => {
        const formatted = errors.map((error) => format(error.toJSON(), error));
        for (const error of formatted) metrics.errors.inc({ code: String(error.extensions?.["code"]) });
        return formatted;
      },
    },
    wss,
    KEEP_ALIVE_MS,
  );

  return {
    get connections() {
      return wss.clients.size;
    },
    close: async () => {
      deps.server.off("upgrade", upgrade);
      slow.close();
      await graphqlWs.dispose();
    },
  };
}

/** GraphQL's own parse and validation errors, with the code HTTP answers them with; locations kept. */
function protocolError(error: unknown, code: "GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED"): GraphQLError {
  const source = error instanceof GraphQLError ? error : new GraphQLError(String(error));
  return new GraphQLError(source.message, {
    nodes: source.nodes ?? null,
    source: source.source ?? null,
    positions: source.positions ?? null,
    extensions: { code },
  });
}

/** An upgrade hubql will not take: a plain HTTP answer with the usual error body, then the socket closes. */
function refuseUpgrade(socket: Duplex, status: 404 | 503, message: string): void {
  const body = JSON.stringify(
    errorBody(new HubqlError(status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.LIMIT_EXCEEDED, message)),
  );
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? "Not Found" : "Service Unavailable"}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `${status === 503 ? "retry-after: 5\r\n" : ""}connection: close\r\n\r\n${body}`,
  );
}
