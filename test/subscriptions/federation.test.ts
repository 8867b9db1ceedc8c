/**
 * hubql's subgraph, `Subscription` included, still composes with a second subgraph (Federation 2.4, what routers
 * require of a subgraph with subscriptions), and the supergraph's API offers the four subscriptions with hubql's
 * entities under them — what the Apollo Router plans passthrough subscriptions from (docs/subscriptions.md).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { composeServices } from "@apollo/composition";
import { isObjectType, parse } from "graphql";
import { describe, expect, it } from "vitest";

import { FEDERATION_URL } from "../../src/graphql/schema";
import { createAnnotationsSubgraph } from "../federation/annotations-subgraph";

describe("subscriptions in a supergraph", () => {
  it("compose with a second subgraph, with zero errors, and keep their fields in the API schema", () => {
    expect(FEDERATION_URL).toMatch(/\/v2\.(4|[5-9]|\d\d)$/);
    const sdl = readFileSync(join(__dirname, "../../schema/schema.graphql"), "utf8");
    const annotations = createAnnotationsSubgraph();
    const composition = composeServices([
      { name: "hubql", url: "http://hubql.internal:4000/graphql", typeDefs: parse(sdl) },
      { name: annotations.name, url: "http://annotations.internal/graphql", typeDefs: annotations.typeDefs },
    ]);
    expect(composition.errors ?? []).toEqual([]);
    const api = composition.schema!.toAPISchema().toGraphQLJSSchema();
    const subscription = api.getSubscriptionType();
    expect(Object.keys(subscription?.getFields() ?? {}).sort()).toEqual([
      "flowChanged",
      "jobChanged",
      "queueEntryChanged",
      "taskRecordChanged",
    ]);
    // The change's node is the entity other subgraphs extend: the router can add their fields to each event.
    const change = api.getType("TaskRecordChange");
    const record = isObjectType(change) ? change.getFields()["record"]?.type.toString() : null;
    expect(record).toBe("TaskRecord");
    const taskRecord = api.getType("TaskRecord");
    expect(isObjectType(taskRecord) && Object.keys(taskRecord.getFields())).toContain("notes");
  });
});
