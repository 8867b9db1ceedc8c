/**
 * Configuration, read once from the environment: the only file of hubql that reads `process.env`. Every knob has a
 * default that works on a laptop; the README's "Configuration" table lists exactly the variables read here
 * (test/unit/config.test.ts keeps the two in step). The entry points pass the result down explicitly.
 */
export interface Limits {
  /** Page size when `first` is not given. */
  readonly defaultPageSize: number;
  /** Largest `first` a list accepts. */
  readonly maxPageSize: number;
  /** Largest number of records one bulk mutation may take or touch. */
  readonly maxBatchSize: number;
  /**
   * Most items a list that is not paged returns (a flow's jobs, a job's parents and children, job types …); a longer
   * one answers LIMIT_EXCEEDED, never cut short. Also the worst case the cost estimate counts for such a list.
   */
  readonly maxListItems: number;
  /**
   * Most bytes of stored data (text, JSON, buffers as the driver returns them) one request may read; beyond,
   * LIMIT_EXCEEDED. Bounds memory where items cannot: `dbQuery` and `taskHistory` answer whole within it.
   */
  readonly maxReadBytes: number;
  /** Filter nesting depth and number of conditions. */
  readonly filterMaxDepth: number;
  readonly filterMaxNodes: number;
  /** Request body size in bytes. */
  readonly maxBodyBytes: number;
  /** Lexical tokens a GraphQL document may have (the parser stops beyond; variables do not count). */
  readonly maxQueryTokens: number;
  /** Deepest field nesting an operation may select (fragments expanded). */
  readonly maxQueryDepth: number;
  /** Largest estimated cost of one operation (see docs/security.md, "Query cost"). */
  readonly maxQueryCost: number;
  /**
   * Most estimated cost of the operations executing at once in one process; operations above LIGHT_COST that
   * would pass it wait their turn (src/server/limits/admission.ts). Bounds memory under many clients.
   */
  readonly concurrentCost: number;
  /** Longest a single SQL statement may run on Postgres (`statement_timeout`), in milliseconds; 0: no limit. */
  readonly statementTimeoutMs: number;
  /**
   * Longest one GraphQL request may use the database, in milliseconds (0: no limit): past it, its running
   * statements are cancelled on either store and it gets LIMIT_EXCEEDED (docs/security.md, "Request deadline").
   */
  readonly requestTimeoutMs: number;
  /** Postgres pool connections, or SQLite reader threads; null: the store's default (10 / 3). */
  readonly dbConnections: number | null;
  /** Most of those one request holds at once; null: a third of them, at least one. */
  readonly requestConnections: number | null;
  /** Task-record retention (IPython's DictDB culling, ipython-hub.md §12); off while both limits are null. */
  readonly retention: RetentionLimits;
}

export interface RetentionLimits {
  /** Most task records kept; null: no count limit. */
  readonly recordLimit: number | null;
  /** Most decoded buffer bytes (buffers + result_buffers) kept; null: no size limit. */
  readonly sizeLimit: number | null;
  /** Share of a limit freed by one cull, in (0, 1). */
  readonly cullFraction: number;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly logLevel: LogLevel;
  readonly limits: Limits;
  readonly auth: AuthConfig;
  /**
   * Whether the schema answers introspection (HUBQL_INTROSPECTION, default on). Decided here, never by NODE_ENV:
   * the playground, `graphql-codegen` against a running server and gateways that introspect subgraphs need it.
   */
  readonly introspection: boolean;
  /** Whether a browser's GET /graphql gets the playground page (HUBQL_PLAYGROUND, default on). */
  readonly playground: boolean;
  /**
   * Whether operations run compiled by graphql-jit once a document repeats (HUBQL_COMPILED_EXECUTION, default on;
   * src/server/compiled-execution.ts). Off: graphql-js interprets every operation.
   */
  readonly compiledExecution: boolean;
  readonly jobflow: JobflowConfig;
  /** Seconds between periodic Scale job-load snapshots (HUBQL_JOB_LOAD_INTERVAL_SECONDS); null: none. */
  readonly jobLoadIntervalSeconds: number | null;
  /**
   * How long an idle keep-alive connection stays open, in ms (HUBQL_KEEP_ALIVE_TIMEOUT_MS). Node's 5 s closes the
   * connection of a client that writes now and then (an IPython Hub between tasks) and costs it a new TCP handshake
   * per quiet spell; 65 s outlasts the idle timeouts of common proxies and clients (60 s), so they close first.
   */
  readonly keepAliveTimeoutMs: number;
  readonly subscriptions: SubscriptionLimits;
}

/** GraphQL subscriptions over WebSocket (docs/subscriptions.md): bounds on every resource one client can hold. */
export interface SubscriptionLimits {
  /** Open WebSocket connections per process (HUBQL_SUBSCRIPTION_MAX_CONNECTIONS); more are refused at upgrade. */
  readonly maxConnections: number;
  /** Active subscriptions per connection (HUBQL_SUBSCRIPTIONS_PER_CONNECTION). */
  readonly maxPerConnection: number;
  /** Changes queued for one subscription before it ends with LIMIT_EXCEEDED (HUBQL_SUBSCRIPTION_BUFFER). */
  readonly buffer: number;
  /** A message the client has not taken for this long closes its connection as a slow consumer (ms). */
  readonly sendTimeoutMs: number;
  /** How often a SQLite store's change log is read while someone subscribes (ms); Postgres is notified. */
  readonly pollIntervalMs: number;
  /** Deletions per statement (Postgres) or per log read (SQLite) that carry a before-image; more are bulk. */
  readonly deleteImages: number;
}

/**
 * The jobflow-remote "project" settings hubql needs (jobflow-remote.md §6.11, §8, §4). There is no project file:
 * workers and exec configs are names listed here; unset lists accept any name (a gateway without a project
 * configured does not reject workers it cannot know about).
 */
export interface JobflowConfig {
  /** HUBQL_JOBFLOW_WORKERS, comma-separated; null = any worker name. */
  readonly workers: readonly string[] | null;
  /** HUBQL_JOBFLOW_EXEC_CONFIGS, comma-separated names; null = any name. */
  readonly execConfigs: readonly string[] | null;
  /** HUBQL_JOBFLOW_DB_ID_PREFIX (`db_id_prefix`), default "". */
  readonly dbIdPrefix: string;
  /** HUBQL_JOBFLOW_LOCK_TTL_SECONDS: default lease length, 300. */
  readonly lockTtlSeconds: number;
  /** HUBQL_JOBFLOW_MAX_STEP_ATTEMPTS (RunnerOptions.max_step_attempts), 3. */
  readonly maxStepAttempts: number;
  /** HUBQL_JOBFLOW_DELTA_RETRY (RunnerOptions.delta_retry) in seconds, "30,300,1200". */
  readonly deltaRetrySeconds: readonly number[];
}

/** Bearer-token authentication (docs/security.md). No tokens: authentication is off and the server stays on loopback. */
export interface AuthConfig {
  /** Inline tokens, `role:token,…` (HUBQL_TOKENS); hashed at load and never kept in clear. */
  readonly tokens: string | null;
  /** A file of `role:sha256hex[:name]` lines or a JSON array (HUBQL_TOKENS_FILE). */
  readonly tokensFile: string | null;
  /** Explicit opt-in to listen beyond loopback with no tokens (HUBQL_ALLOW_UNAUTHENTICATED_NETWORK=1). */
  readonly allowUnauthenticatedNetwork: boolean;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export const DEFAULT_DATABASE_URL = "sqlite:./data/hubql.db";

export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

export const DEFAULT_LIMITS: Limits = {
  defaultPageSize: 100,
  maxPageSize: 1000,
  maxBatchSize: 10_000,
  maxListItems: 1000,
  maxReadBytes: 64 * 1024 * 1024,
  filterMaxDepth: 12,
  filterMaxNodes: 500,
  maxBodyBytes: 16 * 1024 * 1024,
  maxQueryTokens: 50_000,
  maxQueryDepth: 15,
  maxQueryCost: 100_000,
  concurrentCost: 50_000,
  statementTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  dbConnections: null,
  requestConnections: null,
  retention: { recordLimit: null, sizeLimit: null, cullFraction: 0.1 },
};

export const DEFAULT_SUBSCRIPTIONS: SubscriptionLimits = {
  maxConnections: 2000,
  maxPerConnection: 100,
  buffer: 1000,
  sendTimeoutMs: 30_000,
  pollIntervalMs: 100,
  deleteImages: 100,
};

export const DEFAULT_JOBFLOW: JobflowConfig = {
  workers: null,
  execConfigs: null,
  dbIdPrefix: "",
  lockTtlSeconds: 300,
  maxStepAttempts: 3,
  deltaRetrySeconds: [30, 300, 1200],
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    host: env["HOST"] || "127.0.0.1",
    port: integer(env, "PORT", 4000, 0),
    databaseUrl: env["DATABASE_URL"] || DEFAULT_DATABASE_URL,
    logLevel: logLevel(env["LOG_LEVEL"]),
    limits: {
      defaultPageSize: integer(env, "HUBQL_DEFAULT_PAGE_SIZE", DEFAULT_LIMITS.defaultPageSize, 1),
      maxPageSize: integer(env, "HUBQL_MAX_PAGE_SIZE", DEFAULT_LIMITS.maxPageSize, 1),
      maxBatchSize: integer(env, "HUBQL_MAX_BATCH_SIZE", DEFAULT_LIMITS.maxBatchSize, 1),
      maxListItems: integer(env, "HUBQL_MAX_LIST_ITEMS", DEFAULT_LIMITS.maxListItems, 1),
      maxReadBytes: integer(env, "HUBQL_MAX_READ_BYTES", DEFAULT_LIMITS.maxReadBytes, 1024),
      filterMaxDepth: integer(env, "HUBQL_FILTER_MAX_DEPTH", DEFAULT_LIMITS.filterMaxDepth, 1),
      filterMaxNodes: integer(env, "HUBQL_FILTER_MAX_NODES", DEFAULT_LIMITS.filterMaxNodes, 1),
      maxBodyBytes: integer(env, "HUBQL_MAX_BODY_BYTES", DEFAULT_LIMITS.maxBodyBytes, 1024),
      maxQueryTokens: integer(env, "HUBQL_MAX_QUERY_TOKENS", DEFAULT_LIMITS.maxQueryTokens, 100),
      maxQueryDepth: integer(env, "HUBQL_MAX_QUERY_DEPTH", DEFAULT_LIMITS.maxQueryDepth, 1),
      maxQueryCost: integer(env, "HUBQL_MAX_QUERY_COST", DEFAULT_LIMITS.maxQueryCost, 1),
      concurrentCost: integer(env, "HUBQL_CONCURRENT_COST", DEFAULT_LIMITS.concurrentCost, 1),
      statementTimeoutMs: integer(env, "HUBQL_STATEMENT_TIMEOUT_MS", DEFAULT_LIMITS.statementTimeoutMs, 0),
      requestTimeoutMs: integer(env, "HUBQL_REQUEST_TIMEOUT_MS", DEFAULT_LIMITS.requestTimeoutMs, 0),
      dbConnections: env["HUBQL_DB_CONNECTIONS"] ? integer(env, "HUBQL_DB_CONNECTIONS", 0, 1) : null,
      requestConnections: env["HUBQL_REQUEST_CONNECTIONS"] ? integer(env, "HUBQL_REQUEST_CONNECTIONS", 0, 1) : null,
      retention: {
        recordLimit: env["HUBQL_RETENTION_RECORD_LIMIT"] ? integer(env, "HUBQL_RETENTION_RECORD_LIMIT", 0, 1) : null,
        sizeLimit: env["HUBQL_RETENTION_SIZE_LIMIT"] ? integer(env, "HUBQL_RETENTION_SIZE_LIMIT", 0, 1) : null,
        cullFraction: fraction(env, "HUBQL_RETENTION_CULL_FRACTION", DEFAULT_LIMITS.retention.cullFraction),
      },
    },
    introspection: flag(env, "HUBQL_INTROSPECTION", true),
    playground: flag(env, "HUBQL_PLAYGROUND", true),
    compiledExecution: flag(env, "HUBQL_COMPILED_EXECUTION", true),
    auth: {
      // Empty is unset, as for every variable here; anything else that names no token refuses to start (tokens.ts).
      tokens: env["HUBQL_TOKENS"] || null,
      tokensFile: env["HUBQL_TOKENS_FILE"] || null,
      allowUnauthenticatedNetwork: env["HUBQL_ALLOW_UNAUTHENTICATED_NETWORK"] === "1",
    },
    jobflow: {
      workers: names(env["HUBQL_JOBFLOW_WORKERS"]),
      execConfigs: names(env["HUBQL_JOBFLOW_EXEC_CONFIGS"]),
      dbIdPrefix: env["HUBQL_JOBFLOW_DB_ID_PREFIX"] ?? DEFAULT_JOBFLOW.dbIdPrefix,
      lockTtlSeconds: positive(env, "HUBQL_JOBFLOW_LOCK_TTL_SECONDS", DEFAULT_JOBFLOW.lockTtlSeconds),
      maxStepAttempts: positive(env, "HUBQL_JOBFLOW_MAX_STEP_ATTEMPTS", DEFAULT_JOBFLOW.maxStepAttempts),
      deltaRetrySeconds: seconds(env, "HUBQL_JOBFLOW_DELTA_RETRY", DEFAULT_JOBFLOW.deltaRetrySeconds),
    },
    jobLoadIntervalSeconds: jobLoadInterval(env),
    subscriptions: {
      maxConnections: integer(env, "HUBQL_SUBSCRIPTION_MAX_CONNECTIONS", DEFAULT_SUBSCRIPTIONS.maxConnections, 0),
      maxPerConnection: integer(env, "HUBQL_SUBSCRIPTIONS_PER_CONNECTION", DEFAULT_SUBSCRIPTIONS.maxPerConnection, 1),
      buffer: integer(env, "HUBQL_SUBSCRIPTION_BUFFER", DEFAULT_SUBSCRIPTIONS.buffer, 1),
      sendTimeoutMs: integer(env, "HUBQL_SUBSCRIPTION_SEND_TIMEOUT_MS", DEFAULT_SUBSCRIPTIONS.sendTimeoutMs, 100),
      pollIntervalMs: integer(env, "HUBQL_SUBSCRIPTION_POLL_MS", DEFAULT_SUBSCRIPTIONS.pollIntervalMs, 10),
      deleteImages: integer(env, "HUBQL_SUBSCRIPTION_DELETE_IMAGES", DEFAULT_SUBSCRIPTIONS.deleteImages, 0),
    },
    keepAliveTimeoutMs: integer(env, "HUBQL_KEEP_ALIVE_TIMEOUT_MS", DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 1000),
  };
}

function names(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === "") return null;
  return raw
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return value;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: readonly number[]): readonly number[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  return raw.split(",").map((part) => {
    const value = Number(part.trim());
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must list seconds, got '${part}'`);
    return value;
  });
}

/** `HUBQL_JOB_LOAD_INTERVAL_SECONDS`: a whole number of seconds ≥ 1, or unset / "0" for none. */
function jobLoadInterval(env: NodeJS.ProcessEnv): number | null {
  const raw = env["HUBQL_JOB_LOAD_INTERVAL_SECONDS"];
  if (raw === undefined || raw === "" || raw === "0") return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`HUBQL_JOB_LOAD_INTERVAL_SECONDS must be a whole number of seconds ≥ 1, got '${raw}'`);
  }
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got '${raw}'`);
  }
  return value;
}

/** `1`/`true` or `0`/`false`; anything else is a start-up error rather than a silent default. */
function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new Error(`${name} must be 1 or 0, got '${raw}'`);
}

function fraction(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!(value > 0 && value < 1)) throw new Error(`${name} must be a number between 0 and 1 (exclusive), got '${raw}'`);
  return value;
}

function logLevel(raw: string | undefined): LogLevel {
  const levels: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];
  if (!raw) return "info";
  if ((levels as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new Error(`LOG_LEVEL must be one of ${levels.join(", ")}, got '${raw}'`);
}

/**
 * Process defaults the server sets before anything else loads (src/server/main.ts): Apollo's gateway libraries start
 * an OpenTelemetry exporter unless APOLLO_TELEMETRY_DISABLED is set (hubql sends nothing anywhere), and graphql-js
 * decides at load time whether to run its development checks (7 % of a list request's CPU, measured), so a bare
 * `node` start gets NODE_ENV=production too. Values the caller set are kept.
 */
export function applyProcessDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env["APOLLO_TELEMETRY_DISABLED"] ??= "1";
  env["NODE_ENV"] ??= "production";
}
