import { type GraphQLField, type GraphQLSchema, getNamedType, isCompositeType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { buildHubqlSchema } from "../../src/graphql/schema";
import { MUTATION_POLICY, requiredRole } from "../../src/server/auth/policy";
import { mayActAs, ROLES, type Role } from "../../src/principal";
import type { App } from "../../src/server/app";
import { startTestHttp } from "../support/gateway";

/**
 * The role policy against the real schema over real HTTP: every root field of the built schema, every role (and
 * no token), including the escalating arguments. Allowed operations are sent without their required variables, so
 * they get past the guard and then fail variable coercion: the store is never touched.
 */
const TOKENS: Record<Role, string> = { reader: "tok-reader", operator: "tok-operator", admin: "tok-admin" };
const CALLERS = [...ROLES, "anonymous"] as const;

let schema: GraphQLSchema;
let app: App;

beforeAll(async () => {
  schema = await buildHubqlSchema();
  app = await startTestHttp("sqlite", {
    auth: {
      tokens: ROLES.map((role) => `${role}:${TOKENS[role]}`).join(","),
      tokensFile: null,
      allowUnauthenticatedNetwork: false,
    },
  });
});
afterAll(() => app?.close());

function operationFor(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>): string {
  const declarations = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(", ");
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  const selection = isCompositeType(getNamedType(field.type)) ? " { __typename }" : "";
  return `${kind} Probe${declarations ? `(${declarations})` : ""} { ${field.name}${args ? `(${args})` : ""}${selection} }`;
}

async function call(caller: (typeof CALLERS)[number], query: string, variables: Record<string, unknown> = {}) {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/graphql-response+json",
  };
  if (caller !== "anonymous") headers["authorization"] = `Bearer ${TOKENS[caller]}`;
  const response = await fetch(`${app.url}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, codes: (body.errors ?? []).map((error) => error.extensions?.code) };
}

describe("the role policy table", () => {
  it("classifies every Mutation field of the schema", () => {
    const mutations = Object.keys(schema.getMutationType()?.getFields() ?? {});
    expect(mutations.length).toBeGreaterThan(0);
    expect(mutations.filter((name) => !(name in MUTATION_POLICY))).toEqual([]);
  });

  it("needs admin for every mutation whose force or breakLock argument is set", () => {
    const breaking = Object.values(schema.getMutationType()?.getFields() ?? {}).flatMap((field) =>
      field.args
        .filter((arg) => ["force", "breakLock"].includes(arg.name))
        .map((arg) => [field.name, arg.name] as const),
    );
    expect(breaking.length).toBeGreaterThan(0);
    for (const [field, argument] of breaking)
      expect(requiredRole("mutation", field, { [argument]: true }), `${field}(${argument}: true)`).toBe("admin");
  });

  it("enforces, for every root field and every caller, exactly the role the table asks for", async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const kind of ["query", "mutation"] as const) {
      const root = kind === "query" ? schema.getQueryType() : schema.getMutationType();
      for (const field of Object.values(root?.getFields() ?? {})) {
        const escalations = field.args.filter(
          (arg) => requiredRole(kind, field.name, { [arg.name]: true }) !== requiredRole(kind, field.name, {}),
        );
        const cases: { label: string; variables: Record<string, unknown> }[] = [
          { label: "", variables: {} },
          ...escalations.map((arg) => ({ label: ` ${arg.name}:true`, variables: { [arg.name]: true } })),
        ];
        for (const { label, variables } of cases) {
          const needs = requiredRole(kind, field.name, variables);
          for (const caller of CALLERS) {
            const { codes } = await call(caller, operationFor(kind, field), variables);
            const denied = codes.find((code) => code === "UNAUTHENTICATED" || code === "FORBIDDEN") ?? "allowed";
            outcomes.push(`${kind} ${field.name}${label} as ${caller}: ${denied}`);
            const want =
              caller === "anonymous"
                ? "UNAUTHENTICATED"
                : mayActAs({ subject: caller, role: caller }, needs)
                  ? "allowed"
                  : "FORBIDDEN";
            expected.push(`${kind} ${field.name}${label} as ${caller}: ${want}`);
          }
        }
      }
    }
    expect(outcomes).toEqual(expected);
    // The table is not trivially permissive: some mutation is denied to operators and all to readers.
    expect(expected.some((line) => line.includes("as operator: FORBIDDEN"))).toBe(true);
    expect(
      expected
        .filter((line) => line.startsWith("mutation") && line.includes("as reader"))
        .every((line) => line.endsWith("FORBIDDEN")),
    ).toBe(true);
  });

  it("answers 401 to a token that matches none, before reading the body", async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer not-a-token" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      "UNAUTHENTICATED",
    );
  });

  it("answers 401 with no token and 403 to a role too low, with the field and role it needs", async () => {
    const anonymous = await call("anonymous", "{ __typename }");
    expect(anonymous).toEqual({ status: 401, codes: ["UNAUTHENTICATED"] });
    const mutation = Object.keys(MUTATION_POLICY).find((name) => schema.getMutationType()?.getFields()[name]);
    const field = schema.getMutationType()?.getFields()[mutation as string] as GraphQLField<unknown, unknown>;
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKENS.reader}` },
      body: JSON.stringify({ query: operationFor("mutation", field) }),
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { data?: unknown; errors: { extensions: Record<string, unknown> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]?.extensions).toMatchObject({
      code: "FORBIDDEN",
      field: field.name,
      requiredRole: requiredRole("mutation", field.name, {}),
    });
  });

  it("judges a document without variables for every role anew, however often another role passed it", async () => {
    // The guard keeps its verdict on an operation without variables per role (src/server/guard-plugin.ts).
    const documents = {
      ingest: "mutation { addTaskRecords(records: []) { msgId } }",
      purge: "mutation { purgeTaskRecords(msgIds: [], force: true, dryRun: true) { count } }",
    };
    const needs = { ingest: "operator", purge: "admin" } as const;
    const callers = ["operator", "reader", "admin", "reader", "anonymous", "operator", "admin"] as const;
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const caller of callers) {
      for (const [name, query] of Object.entries(documents) as [keyof typeof documents, string][]) {
        const { status, codes } = await call(caller, query);
        // Past the guard, the empty purge is refused as BAD_USER_INPUT: only the guard's own codes count here.
        const guardCodes = codes.filter((code) => code === "FORBIDDEN" || code === "UNAUTHENTICATED");
        outcomes.push(`${caller} ${name}: ${status} ${guardCodes.join(",")}`);
        const allowed = caller !== "anonymous" && mayActAs({ subject: caller, role: caller }, needs[name]);
        const refusal = caller === "anonymous" ? "401 UNAUTHENTICATED" : "403 FORBIDDEN";
        expected.push(`${caller} ${name}: ${allowed ? "200 " : refusal}`);
      }
    }
    expect(outcomes).toEqual(expected);
  });
});
