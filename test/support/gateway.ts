/**
 * A real gateway for tests: a fresh store of the given dialect, migrations, services, the full schema, Apollo.
 * `gql()` runs an operation in-process (no HTTP); `startHttp()` listens on an ephemeral loopback port.
 */
import "reflect-metadata";

import type { ApolloServer } from "@apollo/server";

import { DEFAULT_LIMITS, loadConfig, type Config, type Limits } from "../../src/config";
import { ReadBudget } from "../../src/db/read-budget";
import { RequestScope } from "../../src/db/request-scope";
import type { Dialect } from "../../src/dialect";
import { createRequestContext, type RequestContext } from "../../src/graphql/shared/context";
import { createLogger, silentLogger } from "../../src/logger";
import { createGateway, startApp, type App } from "../../src/server/app";
import type { Metrics } from "../../src/server/metrics";
import type { Services } from "../../src/services";
import { freshDatabaseUrl } from "./databases";

export interface GqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestGateway {
  readonly services: Services;
  readonly apollo: ApolloServer<RequestContext>;
  readonly metrics: Metrics;
  readonly databaseUrl: string;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  /** Like gql but fails the test on any error; returns data. */
  ok<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Silent, unless HUBQL_TEST_LOG=debug (or another level) asks to see the server's log lines while debugging. */
export function testLogger() {
  const level = process.env["HUBQL_TEST_LOG"];
  return level ? createLogger(level as "debug") : silentLogger;
}

/** A configuration built for a test (never from the environment): defaults, a fresh store, and what the test sets. */
export function testConfig(
  databaseUrl: string,
  limits: Partial<Limits> = {},
  overrides: Partial<Omit<Config, "limits">> = {},
): Config {
  const base = loadConfig({});
  return { ...base, port: 0, databaseUrl, logLevel: "silent", limits: { ...DEFAULT_LIMITS, ...limits }, ...overrides };
}

export async function startTestGateway(
  dialect: Dialect | "none",
  limits: Partial<Limits> = {},
  overrides: Partial<Omit<Config, "limits">> = {},
): Promise<TestGateway> {
  const databaseUrl = dialect === "none" ? "none" : await freshDatabaseUrl(dialect);
  return openTestGateway(databaseUrl, limits, overrides);
}

/** A gateway on a store that exists already (another gateway's, to compare two configurations on the same data). */
export async function openTestGateway(
  databaseUrl: string,
  limits: Partial<Limits> = {},
  overrides: Partial<Omit<Config, "limits">> = {},
): Promise<TestGateway> {
  const config = testConfig(databaseUrl, limits, overrides);
  const { apollo, services, metrics } = await createGateway(config, testLogger());
  let n = 0;
  const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> => {
    // As over HTTP, without the deadline: one read budget (src/db/read-budget.ts) and one share of connections.
    const scope = new RequestScope(0, new ReadBudget(config.limits.maxReadBytes));
    const response = await apollo.executeOperation<T>(
      { query, ...(variables ? { variables } : {}) },
      { contextValue: createRequestContext(services, `test-${++n}`, undefined, scope) },
    );
    if (response.body.kind !== "single") throw new Error("unexpected incremental response");
    // executeOperation returns null-prototype objects; a JSON round trip gives plain ones (and ISO dates).
    return JSON.parse(JSON.stringify(response.body.singleResult)) as GqlResult<T>;
  };
  return {
    services,
    apollo,
    metrics,
    databaseUrl,
    gql,
    async ok<T>(query: string, variables?: Record<string, unknown>) {
      const result = await gql<T>(query, variables);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
      return result.data as T;
    },
    async close() {
      await apollo.stop();
      await services.context.db?.close();
    },
  };
}

export async function startTestHttp(
  dialect: Dialect | "none",
  overrides: Partial<Config> = {},
): Promise<App & { databaseUrl: string }> {
  const databaseUrl = dialect === "none" ? "none" : await freshDatabaseUrl(dialect);
  const app = await startApp({ ...testConfig(databaseUrl), ...overrides }, testLogger());
  return Object.assign(app, { databaseUrl });
}

/** Counts SQL statements run while `work` runs (the N+1 tests use it). */
export async function countStatements<T>(
  services: Services,
  work: () => Promise<T>,
): Promise<{ result: T; statements: string[] }> {
  const db = services.context.db;
  if (!db) throw new Error("no database");
  const statements: string[] = [];
  const stop = db.onStatement((sql) => statements.push(sql));
  try {
    return { result: await work(), statements };
  } finally {
    stop();
  }
}
