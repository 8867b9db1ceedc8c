import type { GraphQLResponse } from "@apollo/server";
import type { OperationDefinitionNode } from "graphql";

import type { Database } from "../db/database";

/**
 * `/metrics` in the Prometheus text exposition format (version 0.0.4), written here rather than pulling in
 * prom-client: counters, histograms and scrape-time gauges are all hubql needs.
 */
type Labels = Readonly<Record<string, string>>;

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Distinct client-chosen operation names kept as labels; beyond this they count as "other" (bounded series). */
const MAX_OPERATION_NAMES = 200;

/**
 * Series are keyed by their label values joined with a separator no label contains; the exposition text (escaped
 * labels, cumulative buckets) is written only when /metrics is scraped. Counting runs on every request and every
 * statement, so it does no string escaping and no per-bucket loop (1.2 % of a list request's CPU before, measured).
 */
const SEPARATOR = "\u0000";

/** An operation's series, found once per parsed operation (Metrics.recordOperation). */
interface OperationSeries {
  readonly answered: CounterSeries;
  readonly seconds: HistogramSeries;
  readonly rootFields: readonly CounterSeries[];
}

function seriesKey(labels: Labels): string {
  let key = "";
  for (const name in labels) key += `${name}=${labels[name]}${SEPARATOR}`;
  return key;
}

/** One counter series: callers on the request path keep it, and count without building its key again. */
class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(by = 1): void {
    this.value += by;
  }
}

class Counter {
  private readonly all = new Map<string, CounterSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  series(labels: Labels): CounterSeries {
    const key = seriesKey(labels);
    let series = this.all.get(key);
    if (!series) this.all.set(key, (series = new CounterSeries(labels)));
    return series;
  }
  inc(labels: Labels, by = 1): void {
    this.series(labels).inc(by);
  }
  get(labels: Labels): number {
    return this.all.get(seriesKey(labels))?.value ?? 0;
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.all.values()].map(({ labels, value }) => `${this.name}${labelText(labels)} ${value}`),
    ];
  }
}

/** One histogram series: per bucket, how many observations fell in it (not cumulative; the last: above all bounds). */
class HistogramSeries {
  readonly buckets: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Array<number>(bounds.length + 1).fill(0);
  }
  observe(value: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > (this.bounds[bucket] as number)) bucket++;
    this.buckets[bucket] = (this.buckets[bucket] ?? 0) + 1;
    this.sum += value;
    this.count += 1;
  }
}

class Histogram {
  private readonly all = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[] = LATENCY_BUCKETS,
  ) {}
  series(labels: Labels): HistogramSeries {
    const key = seriesKey(labels);
    let series = this.all.get(key);
    if (!series) this.all.set(key, (series = new HistogramSeries(labels, this.bounds)));
    return series;
  }
  observe(labels: Labels, value: number): void {
    this.series(labels).observe(value);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, buckets, sum, count } of this.all.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += buckets[index] ?? 0;
        lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${cumulative}`);
      });
      const text = labelText(labels);
      lines.push(
        `${this.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${count}`,
        `${this.name}_sum${text} ${sum}`,
        `${this.name}_count${text} ${count}`,
      );
    }
    return lines;
  }
}

export class Metrics {
  readonly operations = new Counter(
    "hubql_graphql_operations_total",
    "GraphQL operations answered, by operation type and name.",
  );
  readonly operationSeconds = new Histogram(
    "hubql_graphql_operation_duration_seconds",
    "Time to answer a GraphQL operation.",
  );
  readonly rootFields = new Counter(
    "hubql_graphql_root_fields_total",
    "Root fields requested, by operation type and field.",
  );
  readonly errors = new Counter("hubql_graphql_errors_total", "Errors returned to clients, by extensions.code.");
  readonly executions = new Counter(
    "hubql_graphql_executions_total",
    "Operations executed over HTTP, by mode: compiled (graphql-jit) or interpreted (graphql-js).",
  );
  readonly httpRequests = new Counter("hubql_http_requests_total", "HTTP requests, by route and status.");
  readonly statementSeconds = new Histogram(
    "hubql_db_statement_duration_seconds",
    "SQL statement time, by statement kind.",
  );
  readonly subscriptionEvents = new Counter(
    "hubql_subscription_events_total",
    "Changes delivered to subscribers (one per subscriber).",
  );
  readonly subscriptionDisconnects = new Counter(
    "hubql_subscription_refusals_total",
    "Subscription connections refused or closed by hubql, by reason.",
  );
  private readonly operationNames = new Set<string>();
  private database: Database | null = null;
  private admission: { readonly queued: number } | null = null;
  private subscriptions: (() => { connections: number; subscriptions: number }) | null = null;

  /** Open WebSocket connections and active subscriptions, read at scrape time. */
  observeSubscriptions(read: () => { connections: number; subscriptions: number }): void {
    this.subscriptions = read;
  }

  /** Operations waiting for their turn to execute (src/server/limits/admission.ts), read at scrape time. */
  observeAdmission(admission: { readonly queued: number }): void {
    this.admission = admission;
  }

  /** Statement timings from every query the store runs; pool gauges are read at scrape time. */
  observeDatabase(db: Database | null): void {
    this.database = db;
    db?.onStatement((sql, milliseconds) =>
      this.statementSeconds.observe({ statement: statementKind(sql) }, milliseconds / 1000),
    );
  }

  /**
   * Counts an answered operation: its type and name, latency, root fields, and error codes as Apollo answers them
   * (codes after formatError's masking). Its series are found once per parsed operation (a `WeakMap` on the node
   * Apollo's document cache keeps), not from label strings on every request.
   */
  recordOperation(
    operation: OperationDefinitionNode | undefined,
    operationName: string | null | undefined,
    response: GraphQLResponse,
    seconds: number,
  ): void {
    const series = operation
      ? this.operationSeries(operation, operationName)
      : (this.unresolved ??= this.seriesOf("unknown", this.operationLabel(null), []));
    series.answered.inc();
    series.seconds.observe(seconds);
    for (const field of series.rootFields) field.inc();
    const errors = response.body.kind === "single" ? (response.body.singleResult.errors ?? []) : [];
    for (const error of errors)
      this.errors.inc({ code: String(error.extensions?.["code"] ?? "INTERNAL_SERVER_ERROR") });
  }

  private readonly byOperation = new WeakMap<OperationDefinitionNode, OperationSeries>();
  /** Requests Apollo answered without resolving an operation (a syntax error, an unknown operation name). */
  private unresolved: OperationSeries | undefined;

  private operationSeries(
    operation: OperationDefinitionNode,
    operationName: string | null | undefined,
  ): OperationSeries {
    let series = this.byOperation.get(operation);
    if (!series) {
      const fields = operation.selectionSet.selections.flatMap((s) => (s.kind === "Field" ? [s.name.value] : []));
      series = this.seriesOf(operation.operation, this.operationLabel(operationName), fields);
      this.byOperation.set(operation, series);
    }
    return series;
  }

  private seriesOf(type: string, name: string, fields: readonly string[]): OperationSeries {
    return {
      answered: this.operations.series({ type, name }),
      seconds: this.operationSeconds.series({ type, name }),
      rootFields: fields.map((field) => this.rootFields.series({ type, field })),
    };
  }

  /** A label value for a client-chosen operation name, bounded in length and number. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return "anonymous";
    const clean = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(name) ? name : "invalid";
    if (this.operationNames.has(clean)) return clean;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return "other";
    this.operationNames.add(clean);
    return clean;
  }

  render(): string {
    const lines = [
      ...this.operations.render(),
      ...this.operationSeconds.render(),
      ...this.rootFields.render(),
      ...this.errors.render(),
      ...this.executions.render(),
      ...this.httpRequests.render(),
      ...this.statementSeconds.render(),
      ...this.subscriptionEvents.render(),
      ...this.subscriptionDisconnects.render(),
      ...this.poolGauges(),
      ...this.executionGauges(),
      ...this.subscriptionGauges(),
      ...this.admissionGauges(),
    ];
    return `${lines.join("\n")}\n`;
  }

  private admissionGauges(): string[] {
    if (!this.admission) return [];
    return [
      "# HELP hubql_operations_queued Operations waiting for their turn to execute (HUBQL_CONCURRENT_COST).",
      "# TYPE hubql_operations_queued gauge",
      `hubql_operations_queued ${this.admission.queued}`,
    ];
  }

  private subscriptionGauges(): string[] {
    const now = this.subscriptions?.();
    if (!now) return [];
    return [
      "# HELP hubql_subscription_connections Open WebSocket (graphql-ws) connections.",
      "# TYPE hubql_subscription_connections gauge",
      `hubql_subscription_connections ${now.connections}`,
      "# HELP hubql_subscriptions_active Active subscriptions in this process.",
      "# TYPE hubql_subscriptions_active gauge",
      `hubql_subscriptions_active ${now.subscriptions}`,
    ];
  }

  /** Postgres pool state (src/db/pool-stats.ts); SQLite has one connection and no pool. */
  private poolGauges(): string[] {
    const pool = this.database?.poolStats();
    if (!pool) return [];
    const name = "hubql_db_pool_connections";
    return [
      `# HELP ${name} Postgres pool connections: total, idle, and clients waiting for one.`,
      `# TYPE ${name} gauge`,
      `${name}{state="total"} ${pool.total}`,
      `${name}{state="idle"} ${pool.idle}`,
      `${name}{state="waiting"} ${pool.waiting}`,
    ];
  }

  /** What the store's engine is doing (src/db/engine.ts, EngineStats), on both stores. */
  private executionGauges(): string[] {
    const stats = this.database?.executionStats();
    if (!stats) return [];
    const name = "hubql_db_execution";
    return [
      `# HELP ${name} Connections (Postgres) or reader threads (SQLite) lent to requests, statements waiting for one, and SQLite threads retired at a deadline whose statement has not stopped yet.`,
      `# TYPE ${name} gauge`,
      `${name}{state="active"} ${stats.active}`,
      `${name}{state="waiting"} ${stats.waiting}`,
      `${name}{state="retiring"} ${stats.retiring}`,
    ];
  }
}

const STATEMENT_KINDS = ["select", "insert", "update", "delete", "with", "begin", "commit", "rollback"];

/** The statement's first keyword (this runs for every statement, so no regular expression). */
function statementKind(sql: string): string {
  const head = sql.trimStart().slice(0, 9).toLowerCase();
  for (const kind of STATEMENT_KINDS) {
    const next = head.charAt(kind.length);
    if (head.startsWith(kind) && (next === "" || next <= " " || next === "(")) return kind;
  }
  return "other";
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}
