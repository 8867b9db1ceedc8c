import { isAscii } from "node:buffer";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import { type ApolloServer, HeaderMap, type HTTPGraphQLResponse } from "@apollo/server";

import type { Config } from "../config";
import { ReadBudget } from "../db/read-budget";
import { RequestScope } from "../db/request-scope";
import { badInput, badRequest, ErrorCode, internalError, limitExceeded, notFound, unauthenticated } from "../errors";
import { createRequestContext, type RequestContext } from "../graphql/shared/context";
import type { Logger } from "../logger";
import type { Services } from "../services";
import { LOCAL_PRINCIPAL, type Principal } from "../principal";
import type { TokenStore } from "./auth/tokens";
import type { Metrics } from "./metrics";
import { fragmentChainRefusal } from "./document/document-guard";
import { errorBody } from "./format-error";
import { playgroundHtml } from "./playground";

export interface HttpDeps {
  readonly config: Config;
  readonly apollo: ApolloServer<RequestContext>;
  readonly services: Services;
  readonly logger: Logger;
  readonly tokens: TokenStore;
  readonly metrics: Metrics;
}

class BodyTooLarge extends Error {}

/**
 * Plain node:http in front of Apollo: `/graphql` (POST, GET; a browser's GET gets the playground), `/healthz`,
 * `/metrics` (Prometheus; docs/security.md).
 * No framework: the routes are few, and every byte that leaves is ours to decide.
 */
export function createHttpServer(deps: HttpDeps): Server {
  return createServer((req, res) => {
    const requestId = (firstHeader(req, "x-request-id") ?? randomUUID()).slice(0, 100);
    res.setHeader("x-request-id", requestId);
    // Parsed once: the route and the metrics label both need it.
    const url = parseUrl(req.url ?? "/");
    res.once("finish", () => deps.metrics.httpRequests.inc({ route: routeLabel(url), status: String(res.statusCode) }));
    handle(deps, req, res, requestId, url).catch((error: unknown) => {
      deps.logger.error("request failed", { requestId, error: error instanceof Error ? error.stack : String(error) });
      if (!res.headersSent) sendJson(res, 500, errorBody(internalError(requestId)));
      else res.end();
    });
  });
}

async function handle(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  url: URL | null,
): Promise<void> {
  if (!url) {
    sendJson(res, 400, errorBody(badRequest("Malformed request URL")));
    return;
  }
  switch (url.pathname) {
    case "/healthz":
      return health(deps, res);
    case "/metrics":
      return metrics(deps, req, res);
    case "/graphql":
    case "/":
      if (deps.config.playground && req.method === "GET" && wantsHtml(req) && !url.searchParams.has("query")) {
        const html = await playgroundHtml();
        return sendWhole(res, 200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" }, html);
      }
      return graphql(deps, req, res, url, requestId);
    default:
      sendJson(res, 404, errorBody(notFound(`no route ${url.pathname}; GraphQL is at /graphql`)));
  }
}

async function graphql(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<void> {
  const started = performance.now();
  // Credentials before the body: a bad token costs the server nothing.
  const principal = authenticate(deps, req, res);
  if (!principal) return;
  let raw: string;
  try {
    raw = await readBody(req, deps.config.limits.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      deps.metrics.errors.inc({ code: ErrorCode.LIMIT_EXCEEDED });
      const limit = deps.config.limits.maxBodyBytes;
      sendJson(res, 413, errorBody(limitExceeded(`Request body exceeds ${limit} bytes (HUBQL_MAX_BODY_BYTES)`)));
      return;
    }
    throw error;
  }
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  let body: unknown = raw;
  if (raw.length > 0 && (headers.get("content-type") ?? "").toLowerCase().includes("json")) {
    try {
      body = JSON.parse(raw);
    } catch {
      deps.metrics.errors.inc({ code: ErrorCode.BAD_USER_INPUT });
      sendJson(res, 400, errorBody(badInput("The request body is not valid JSON")));
      return;
    }
  }
  // GraphQL's validation follows fragment chains recursively: a 5,000-long chain overflowed it (src/server/document).
  for (const query of documentsOf(body, url)) {
    const refusal = fragmentChainRefusal(query, deps.config.limits.maxQueryTokens);
    if (refusal) {
      deps.metrics.errors.inc({ code: ErrorCode.LIMIT_EXCEEDED });
      sendJson(res, 400, errorBody(refusal));
      return;
    }
  }
  // Every statement of the request is charged to one read budget (HUBQL_MAX_READ_BYTES, src/db/read-budget.ts) and
  // bounded by HUBQL_REQUEST_TIMEOUT_MS and the request's share of connections (src/db/request-scope.ts).
  const { requestTimeoutMs, maxReadBytes } = deps.config.limits;
  const scope = new RequestScope(requestTimeoutMs, new ReadBudget(maxReadBytes));
  let response: HTTPGraphQLResponse;
  try {
    response = await deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body },
      context: async () => createRequestContext(deps.services, requestId, principal, scope),
    });
  } finally {
    scope.end();
  }
  // What Apollo's cache-control plugin (off, see app.ts) answered for hint-less schemas: never cache an answer.
  res.setHeader("cache-control", "no-store");
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    res.end(response.body.string);
  } else {
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
  deps.logger.debug("graphql request", {
    requestId,
    status: res.statusCode,
    ms: Math.round(performance.now() - started),
  });
}

/**
 * Bytes of a refused request's body still read (and dropped) after the 401, so that the client, still sending, sees
 * the answer rather than a reset; beyond this the connection is cut. Measured: 32 anonymous 16 MiB bodies used to
 * cost 116 s of server time and 2.5 GB RSS when they were read, parsed and validated before the refusal.
 */
export const REFUSED_BODY_DRAIN_BYTES = 64 * 1024;

/**
 * With authentication on, a request without a valid token is answered 401 here, before its body is read (beyond
 * REFUSED_BODY_DRAIN_BYTES, dropped unread) or parsed or validated: an anonymous caller costs the server nothing and
 * learns nothing about the schema (no validation messages, no "Did you mean …").
 */
function authenticate(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Principal | null {
  if (!deps.tokens.enabled) return LOCAL_PRINCIPAL;
  const result = deps.tokens.authenticate(firstHeader(req, "authorization"));
  if (result.kind === "ok") return result.principal;
  deps.metrics.errors.inc({ code: ErrorCode.UNAUTHENTICATED });
  if (result.kind === "none") {
    res.setHeader("www-authenticate", 'Bearer realm="hubql"');
    refuse(
      req,
      res,
      401,
      errorBody(unauthenticated("A valid bearer token is required (Authorization: Bearer <token>).")),
    );
  } else {
    res.setHeader("www-authenticate", 'Bearer realm="hubql", error="invalid_token"');
    refuse(req, res, 401, errorBody(unauthenticated("The bearer token is not valid.")));
  }
  return null;
}

/** Answers without reading the body: closes the connection after the answer and cuts it if the body keeps coming. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > REFUSED_BODY_DRAIN_BYTES) req.socket.destroy();
  });
  res.setHeader("connection", "close");
  sendJson(res, status, body);
}

/** Prometheus scrapes; with authentication on it needs a token of any role (Prometheus' `authorization` setting). */
function metrics(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): void {
  const principal = authenticate(deps, req, res);
  if (!principal) return;
  const headers = { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" };
  sendWhole(res, 200, headers, deps.metrics.render());
}

function routeLabel(url: URL | null): string {
  // Never throws: it runs in the response's "finish" event, where an exception would take the process down.
  const path = url?.pathname ?? "";
  return ["/graphql", "/", "/healthz", "/metrics"].includes(path) ? path : "other";
}

/** A trivial statement on a connection requests never use, so heavy requests cannot make it wait. */
async function health(deps: HttpDeps, res: ServerResponse): Promise<void> {
  const db = deps.services.context.db;
  if (!db) return sendJson(res, 200, { status: "ok", store: "none" });
  try {
    await db.ping();
    sendJson(res, 200, { status: "ok", store: db.dialect });
  } catch {
    sendJson(res, 503, { status: "unavailable", store: db.dialect });
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    // ASCII (nearly every body) decodes as latin1, which skips UTF-8 validation: 1.4 MB in 5.1 ms against 5.8 ms.
    req.on("end", () => {
      const body = Buffer.concat(chunks, size);
      resolve(body.toString(isAscii(body) ? "latin1" : "utf8"));
    });
    req.on("error", reject);
  });
}

/** The GraphQL documents a request carries: the URL's `query` (GET), the body's, or each of a batch's. */
function documentsOf(body: unknown, url: URL): unknown[] {
  const fromUrl = url.searchParams.get("query");
  const requests = Array.isArray(body) ? body : [body];
  return [
    ...(fromUrl === null ? [] : [fromUrl]),
    ...requests.map((request: unknown) =>
      request !== null && typeof request === "object" ? (request as Record<string, unknown>)["query"] : undefined,
    ),
  ];
}

/** The request's URL, or null when it is malformed (answered 400): one parse, where `URL.canParse` first made two. */
function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw, "http://localhost");
  } catch {
    return null;
  }
}

function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").includes("text/html");
}

function firstHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendWhole(res, status, { "content-type": "application/json; charset=utf-8" }, JSON.stringify(body));
}

/**
 * A whole answer with its `content-length`, which Node adds when `end(body)` comes before the head is fixed (after
 * `writeHead`, the head is fixed without a length and Node frames the body as chunks).
 */
function sendWhole(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(body);
}
