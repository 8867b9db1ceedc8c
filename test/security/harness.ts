/**
 * What the issue-12 security suites share: a real gateway over HTTP with authentication on (a token per role), a
 * poster that tells status and codes, a snapshot of every table ("nothing changed"), and the assertions every class
 * makes — refused with a documented code, never a 5xx, the process still answering.
 */
import { expect } from "vitest";

import { DEFAULT_LIMITS, type Limits } from "../../src/config";
import type { Dialect } from "../../src/dialect";
import { ErrorCode, GRAPHQL_PROTOCOL_CODES } from "../../src/errors";
import type { App } from "../../src/server/app";
import type { Role } from "../../src/principal";
import { startTestHttp } from "../support/gateway";

export const TOKENS: Record<Role, string> = { reader: "sec-reader", operator: "sec-operator", admin: "sec-admin" };
const DOCUMENTED = new Set<string>([...Object.values(ErrorCode), ...GRAPHQL_PROTOCOL_CODES]);

export interface Answer {
  readonly status: number;
  readonly body: { data?: Record<string, unknown> | null; errors?: GraphqlError[] } & Record<string, unknown>;
  readonly codes: string[];
  readonly ms: number;
}

export interface GraphqlError {
  message: string;
  extensions?: Record<string, unknown>;
}

export interface HostileServer {
  readonly app: App;
  readonly url: string;
  readonly dialect: Dialect;
  post(query: string, variables?: unknown, role?: Role | null, extra?: Record<string, unknown>): Promise<Answer>;
  /** Posts a body as it is (a string) with the given role's token. */
  raw(body: string, role?: Role | null, headers?: Record<string, string>): Promise<Answer>;
  /** Like post as admin, failing the test on any error. */
  ok<T = Record<string, unknown>>(query: string, variables?: unknown, role?: Role): Promise<T>;
  /** Every row of every table, as text: equal before and after means nothing changed. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

const TABLES = [
  "task_records",
  "task_culled_ids",
  "flows",
  "jobs",
  "job_parents",
  "jobflow_counters",
  "batch_processes",
  "scale_jobs",
  "scale_queue",
  "scale_job_types",
  "scale_job_load",
];

export async function startHostileServer(dialect: Dialect, limits: Partial<Limits> = {}): Promise<HostileServer> {
  const app = await startTestHttp(dialect, {
    auth: {
      tokens: (Object.entries(TOKENS) as [Role, string][]).map(([role, token]) => `${role}:${token}`).join(","),
      tokensFile: null,
      allowUnauthenticatedNetwork: false,
    },
    limits: { ...DEFAULT_LIMITS, ...limits },
  });
  const raw = async (body: string, role: Role | null = "admin", headers: Record<string, string> = {}) => {
    const started = performance.now();
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(role ? { authorization: `Bearer ${TOKENS[role]}` } : {}),
        ...headers,
      },
      body,
    });
    const text = await response.text();
    let parsed: Answer["body"];
    try {
      parsed = JSON.parse(text) as Answer["body"];
    } catch {
      parsed = { errors: [{ message: `non-JSON answer: ${text.slice(0, 200)}` }] };
    }
    const codes = (parsed.errors ?? []).map((error) => String(error.extensions?.["code"] ?? error.message));
    return { status: response.status, body: parsed, codes, ms: performance.now() - started };
  };
  const post = (query: string, variables?: unknown, role: Role | null = "admin", extra: Record<string, unknown> = {}) =>
    raw(JSON.stringify({ query, ...(variables === undefined ? {} : { variables }), ...extra }), role);
  return {
    app,
    url: app.url,
    dialect,
    post,
    raw,
    async ok<T>(query: string, variables?: unknown, role: Role = "admin") {
      const answer = await post(query, variables, role);
      if (answer.body.errors?.length || answer.status >= 400) {
        throw new Error(`GraphQL errors (${answer.status}): ${JSON.stringify(answer.body.errors, null, 2)}`);
      }
      return answer.body.data as T;
    },
    snapshot: () => snapshotStore(app),
    close: () => app.close(),
  };
}

/** Every row of every table, as text: equal before and after means nothing changed. */
export async function snapshotStore(app: App): Promise<string> {
  const db = app.services.context.db;
  if (!db) throw new Error("no store");
  const parts: string[] = [];
  for (const table of TABLES) {
    const rows = await db.query(`SELECT * FROM ${table}`).catch(() => [{ missing: table }]);
    parts.push(JSON.stringify(rows.map((row) => JSON.stringify(row)).sort()));
  }
  return parts.join("\n");
}

/**
 * The answer refuses with `code` (and `limit`, when given), with a status below 500 and no undocumented or internal
 * code anywhere in it.
 */
export function expectRefused(answer: Answer, code: string, limit?: string, label = ""): GraphqlError {
  const where = `${label} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 400)}`;
  expect(answer.status, where).toBeLessThan(500);
  for (const seen of answer.codes) {
    expect(DOCUMENTED.has(seen) && seen !== ErrorCode.INTERNAL_SERVER_ERROR, where).toBe(true);
  }
  const error = (answer.body.errors ?? []).find((candidate) => candidate.extensions?.["code"] === code);
  expect(error, where).toBeDefined();
  if (limit !== undefined) expect(error?.extensions?.["limit"], where).toBe(limit);
  return error as GraphqlError;
}

/** The answer has no error at all and a status of 200. */
export function expectAnswered(answer: Answer, label = ""): Record<string, unknown> {
  expect(answer.status, `${label} ${JSON.stringify(answer.body).slice(0, 400)}`).toBe(200);
  expect(answer.body.errors, `${label} ${JSON.stringify(answer.body.errors)}`).toBeUndefined();
  return answer.body.data ?? {};
}

/** The process is alive and answering. */
export async function expectHealthy(server: HostileServer): Promise<void> {
  const response = await fetch(`${server.url}/healthz`);
  expect(response.status).toBe(200);
}

/** A flow of `count` jobs named j0…, each job's parents given by `parentsOf(index)` (indexes of earlier jobs). */
export async function addFlow(
  server: HostileServer,
  name: string,
  count: number,
  parentsOf: (index: number) => number[] = () => [],
): Promise<{ uuid: string; dbIds: string[] }> {
  const uuids = Array.from({ length: count }, (_, i) => `${name}-j${i}-${Math.random().toString(36).slice(2)}`);
  const data = await server.ok<{ addFlow: { uuid: string; ids: { dbId: string; uuid: string }[] } }>(
    `mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid ids { dbId uuid } } }`,
    {
      flow: {
        name,
        jobs: uuids.map((uuid, i) => ({ name: `j${i}`, uuid, parents: parentsOf(i).map((p) => uuids[p]) })),
      },
    },
  );
  const byUuid = new Map(data.addFlow.ids.map((id) => [id.uuid, id.dbId]));
  return { uuid: data.addFlow.uuid, dbIds: uuids.map((uuid) => byUuid.get(uuid) as string) };
}

/** `count` task records with `stdout` of `stdoutBytes` characters. */
export async function addTaskRecords(
  server: HostileServer,
  count: number,
  stdoutBytes = 10,
  prefix = "t",
): Promise<void> {
  const stdout = "x".repeat(stdoutBytes);
  for (let start = 0; start < count; start += 1000) {
    const records = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({
      msgId: `${prefix}-${start + i}`,
      header: { msg_type: "apply_request", n: start + i },
      submitted: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, start + i)).toISOString(),
      engineUuid: `engine-${(start + i) % 4}`,
      queue: "task",
      stdout,
    }));
    await server.ok(`mutation($r: [TaskRecordInput!]!) { addTaskRecords(records: $r) { msgId } }`, { r: records });
  }
}
