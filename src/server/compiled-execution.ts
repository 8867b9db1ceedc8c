import {
  type GraphQLRequestContextResponseForOperation,
  type GraphQLResponse,
  HeaderMap,
  type HTTPGraphQLHead,
} from "@apollo/server";
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  visit,
} from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";

import type { RequestContext } from "../graphql/shared/context";
import { fragmentsOf } from "./document/operation";
import { executedVariablesOf } from "./guard-plugin";
import type { Metrics } from "./metrics";

/** Apollo's `formatError`: hubql's (format-error.ts). */
type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** Answers an operation compiled, or null to let Apollo execute it with graphql-js (request-plugin.ts). */
export type CompiledResponder = (
  requestContext: GraphQLRequestContextResponseForOperation<RequestContext>,
) => Promise<GraphQLResponse | null>;

/**
 * How one operation of one document runs: interpreted by graphql-js until it has been seen twice, then compiled by
 * graphql-jit, or interpreted for good where the compiled form would answer differently or cost too much to compile
 * (see `compile`).
 */
interface Plan {
  runs: number;
  compiled: CompiledQuery | "interpret" | null;
}

/**
 * The plans holding a compiled form, least recently used first, within a budget of fields (COMPILED_FIELDS_BUDGET).
 * An evicted plan starts over: interpreted, compiled again from its next execution but one.
 */
export class CompiledForms {
  private readonly sizes = new Map<Plan, number>();
  private total = 0;

  constructor(private readonly budget: number) {}

  /** Marks `plan` as just used. */
  touch(plan: Plan): void {
    const size = this.sizes.get(plan);
    if (size === undefined) return;
    this.sizes.delete(plan);
    this.sizes.set(plan, size);
  }

  /** Keeps `plan`'s new compiled form of `fields` fields, evicting the least recently used beyond the budget. */
  add(plan: Plan, fields: number): void {
    this.sizes.set(plan, fields);
    this.total += fields;
    for (const [oldest, size] of this.sizes) {
      if (this.total <= this.budget || oldest === plan) break;
      this.sizes.delete(oldest);
      this.total -= size;
      oldest.compiled = null;
      oldest.runs = 0;
    }
  }

  get size(): number {
    return this.sizes.size;
  }
}

/** Executions of a document before it is compiled: a document sent once (an attacker's stream of new ones) never is. */
const COMPILE_AFTER_RUNS = 1;

/**
 * Largest operation compiled, in fields with fragments expanded. graphql-jit compiles on the event loop, about
 * 0.1–0.2 ms per field it generates code for: 300 aliased 4-field lists took 220 ms, so a document within the token
 * and cost limits could otherwise block every other request for seconds; 50 of them, 200 fields, took 15 ms.
 */
const MAX_COMPILED_FIELDS = 200;

/**
 * Compiled forms kept at once, in fields: about 1.8 KB of heap per field (1,000 compiled 10-field list queries took
 * 18 MB), so about 36 MB. Apollo's document cache alone would keep thousands of small documents, and their compiled
 * forms with them: a caller sending new documents twice each could otherwise grow the heap by hundreds of MB.
 */
const COMPILED_FIELDS_BUDGET = 20_000;

const COMPILED = { mode: "compiled" } as const;
const INTERPRETED = { mode: "interpreted" } as const;

/** Apollo Federation gateways ask for an inline trace with this header; Apollo builds it from graphql-js's resolvers. */
const TRACE_HEADER = "apollo-federation-include-trace";

/**
 * Compiled execution for Apollo, as the answer of its `responseForOperation` hook (request-plugin.ts): graphql-jit
 * turns an operation into one JavaScript function per document, with no resolve-info, path or promise per field
 * where graphql-js builds them. Measured on 100k records (bench, NODE_ENV=production, off then on): `flows(first:
 * 100) { jobs { parents children } }` p50 78 → 54 ms on Postgres and 79 → 48 ms on SQLite. It used to be plugged in
 * as a gateway (Apollo's other way to replace execution), which builds a second request context and runs Apollo's
 * execution path around the executor: answering here took a `{ __typename }` request's server CPU from 125 to
 * 73 µs (bare Apollo: 82), and the SQLite list's from 2.58 to 2.13 ms (interleaved A/B, issue 14).
 *
 * Answering null leaves the operation to Apollo and graphql-js, so that answers stay exactly graphql-js's
 * (test/execution/compiled-execution.test.ts runs both on the same operations):
 * - a document until its second execution (compiling costs about as much as running it a few times) and documents
 *   graphql-jit cannot compile;
 * - operations of more than MAX_COMPILED_FIELDS fields, whose compilation would hold the event loop too long;
 * - documents with a variable inside a literal argument (`jobs(filter: { uuid: $u })`): graphql-jit parses custom
 *   scalar literals without the variables, so the Filter would lose `$u`;
 * - an execution whose variables graphql-jit refuses (nothing has run then; the guard has already coerced them to
 *   graphql-js's values, so this does not happen with hubql's scalars);
 * - requests for a federation inline trace.
 *
 * Variables reach graphql-jit as the guard coerced them (guard-plugin.ts; graphql-js's values, every default applied):
 * graphql-jit itself applies neither a variable's default to a non-null variable (`$f: Boolean! = false` not sent)
 * nor an input field's (`TaskRecordOrder.direction = ASC`). Coercing them again is the identity for hubql's types
 * (every enum's value is its name; DateTime, Filter and JSON parse their own output unchanged). Its errors are
 * rebuilt as graphql-js errors and formatted as Apollo formats an execution's errors (`formatErrors`).
 */
export function compiledExecution(
  schema: GraphQLSchema,
  metrics: Metrics,
  formatError: FormatError,
): CompiledResponder {
  const plans = new WeakMap<DocumentNode, Map<string, Plan>>();
  const forms = new CompiledForms(COMPILED_FIELDS_BUDGET);
  const compiledRuns = metrics.executions.series(COMPILED);
  const interpretedRuns = metrics.executions.series(INTERPRETED);
  const planFor = (document: DocumentNode, operationName: string | undefined): Plan => {
    let byName = plans.get(document);
    if (!byName) plans.set(document, (byName = new Map()));
    const key = operationName ?? "";
    let plan = byName.get(key);
    if (!plan) byName.set(key, (plan = { runs: 0, compiled: null }));
    return plan;
  };
  const interpret = () => {
    interpretedRuns.inc();
    return null;
  };

  return async ({ document, operation, request, contextValue }) => {
    // The name the request asked for, as graphql-js reads it (Apollo's `operationName` is the resolved one's).
    const operationName = request.operationName ?? undefined;
    const plan = planFor(document, operationName);
    if (plan.compiled === null && ++plan.runs > COMPILE_AFTER_RUNS) {
      const { compiled, fields } = compile(schema, document, operation, operationName);
      plan.compiled = compiled;
      if (compiled !== "interpret") forms.add(plan, fields);
    } else {
      forms.touch(plan);
    }
    if (plan.compiled === null || plan.compiled === "interpret" || request.http?.headers.get(TRACE_HEADER)) {
      return interpret();
    }
    const variables = executedVariablesOf(contextValue);
    if (!variables) return interpret();
    const result = await plan.compiled.query(undefined, contextValue, variables);
    // No `data` at all: graphql-jit refused the variables before running anything.
    if (!("data" in result)) return interpret();
    compiledRuns.inc();
    const http: HTTPGraphQLHead = { headers: new HeaderMap() };
    if (!result.errors?.length) return { http, body: { kind: "single", singleResult: result } };
    const errors = formatErrors(result.errors.map(asGraphQLJsError), formatError, http);
    return { http, body: { kind: "single", singleResult: { ...result, errors } } };
  };
}

function compile(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  operationName: string | undefined,
): { compiled: CompiledQuery | "interpret"; fields: number } {
  const fragments = fragmentsOf(document);
  const fields = expandedFields(operation.selectionSet, fragments, MAX_COMPILED_FIELDS);
  if (fields > MAX_COMPILED_FIELDS || holdsLiteralVariable(operation, fragments))
    return { compiled: "interpret", fields };
  // No stack captured for errors the compiled code creates: they never leave the server with one.
  const compiled = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
  return { compiled: isCompiledQuery(compiled) ? compiled : "interpret", fields };
}

/** Whether an argument's literal holds a variable (see `compiledExecution`), in the operation or its fragments. */
function holdsLiteralVariable(
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): boolean {
  let found = false;
  for (const node of [operation, ...Object.values(fragments)]) {
    visit(node, {
      Argument(argument) {
        if (argument.value.kind !== Kind.VARIABLE && holdsVariable(argument.value)) found = true;
        return false;
      },
    });
  }
  return found;
}

/**
 * The fields of a selection with fragments expanded where they are spread (as graphql-jit generates them), counted up
 * to just past `limit`: fragments that spread others twice over cost no more than `limit` to count.
 */
function expandedFields(
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  limit: number,
): number {
  let count = 0;
  const walk = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (count > limit) return;
      if (selection.kind === Kind.FIELD) {
        count++;
        if (selection.selectionSet) walk(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else {
        // Validation has refused fragment cycles, so this ends.
        const fragment = fragments[selection.name.value];
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return count;
}

function holdsVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(holdsVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((field) => holdsVariable(field.value));
  return false;
}

/**
 * An execution's errors as Apollo Server 5 formats them (its `normalizeAndFormatErrors`, which it does not export):
 * `extensions.code` defaults to INTERNAL_SERVER_ERROR, an `extensions.http` head moves to the response, then
 * `formatError` (hubql's); one that throws gives Apollo's generic internal error. hubql turns stack traces off
 * (`includeStacktraceInErrorResponses: false`). Apollo also renames variable-coercion errors to BAD_USER_INPUT and
 * calls `didEncounterErrors` hooks: the first cannot happen here (the guard has coerced the variables), and hubql
 * has no such hook. test/execution/compiled-execution.test.ts compares the answers with Apollo's own.
 */
function formatErrors(
  errors: readonly GraphQLError[],
  formatError: FormatError,
  http: HTTPGraphQLHead,
): GraphQLFormattedError[] {
  return errors.map((error) => {
    try {
      const extensions: Record<string, unknown> = {
        ...error.extensions,
        code: error.extensions["code"] ?? "INTERNAL_SERVER_ERROR",
      };
      const head = extensions["http"] as Partial<HTTPGraphQLHead> | undefined;
      if (head && typeof head === "object" && (head.status === undefined || typeof head.status === "number")) {
        if (head.status) http.status = head.status;
        if (head.headers instanceof Map) for (const [name, value] of head.headers) http.headers.set(name, value);
        delete extensions["http"];
      }
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } };
    }
  });
}

function asGraphQLJsError(error: GraphQLError): GraphQLError {
  // Extensions as graphql-js gives them: the error's own, else the original error's (a HubqlError's code).
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
  // graphql-js derives locations from AST nodes, which graphql-jit has already turned into locations.
  (rebuilt as { locations?: GraphQLError["locations"] }).locations = error.locations;
  return rebuilt;
}
