/** Shared pieces of the filter compiler's unit tests. */
import { GraphQLError } from "graphql";
import { expect } from "vitest";

import {
  compileFilter,
  type CompileOptions,
  type Dialect,
  type FieldCatalogue,
  type SqlCondition,
} from "../../../src/filter";

/** A TaskRecord-shaped catalogue (ipython-hub.md §2), as the db layer would derive it. */
export const TASKS: FieldCatalogue = {
  entity: "TaskRecord",
  fields: [
    { name: "msgId", aliases: ["msg_id"], column: "msg_id", kind: "string" },
    { name: "clientUuid", aliases: ["client_uuid"], column: "client_uuid", kind: "string" },
    { name: "engineUuid", aliases: ["engine_uuid"], column: "engine_uuid", kind: "string" },
    { name: "queue", aliases: [], column: "queue", kind: "string" },
    { name: "submitted", aliases: [], column: "submitted", kind: "datetime" },
    { name: "started", aliases: [], column: "started", kind: "datetime" },
    { name: "completed", aliases: [], column: "completed", kind: "datetime" },
    { name: "retries", aliases: [], column: "retries", kind: "integer" },
    { name: "duration", aliases: [], column: "duration", kind: "number" },
    { name: "stale", aliases: [], column: "stale", kind: "boolean" },
    { name: "state", aliases: [], column: "state", kind: "enum", enumValues: ["PENDING", "RUNNING", "DONE"] },
    { name: "header", aliases: [], column: "header", kind: "json" },
    { name: "metadata", aliases: [], column: "metadata", kind: "json" },
    { name: "resultContent", aliases: ["result_content"], column: "result_content", kind: "json" },
  ],
};

export const DIALECTS: readonly Dialect[] = ["sqlite", "postgres"];

export function compile(filter: unknown, options: Partial<CompileOptions> = {}): SqlCondition {
  return compileFilter(filter, TASKS, { dialect: "sqlite", tableAlias: "t", ...options });
}

export interface Rejection {
  readonly code: string;
  readonly filterPath: unknown;
  readonly message: string;
  readonly extensions: Record<string, unknown>;
}

/** The GraphQL error `compileFilter` throws for `filter` (on both dialects, identically). */
export function rejection(filter: unknown, options: Partial<CompileOptions> = {}): Rejection {
  const results = DIALECTS.map((dialect) => {
    try {
      compileFilter(filter, TASKS, { dialect, ...options });
    } catch (error) {
      expect(error).toBeInstanceOf(GraphQLError);
      const e = error as GraphQLError;
      return {
        code: String(e.extensions["code"]),
        filterPath: e.extensions["filterPath"],
        message: e.message,
        extensions: e.extensions as Record<string, unknown>,
      };
    }
    throw new Error(`expected ${JSON.stringify(filter)} to be rejected on ${dialect}`);
  });
  expect(results[1]).toEqual(results[0]);
  return results[0] as Rejection;
}
