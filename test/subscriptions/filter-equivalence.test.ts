/**
 * The rule of issue 17: a change is delivered iff the changed row — after the change, or before it for DELETED —
 * is in the list query with the same filter. Property-style, with the conformance suite's generators (every
 * operator, JSON paths through objects and arrays, nulls and missing values, nested $and/$or/$nor) and its trap
 * records, mapped onto task records; random sequences of adds, updates and deletes through the services' real
 * write paths; real WebSocket subscribers; the list answered by the real `taskRecords(filter)` query. Both stores.
 */
import fc from "fast-check";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Dialect } from "../../src/dialect";
import type { App } from "../../src/server/app";
import type { TaskRecordData } from "../../src/services/tasks/task-record.model";
import { ALL_THINGS } from "../conformance/fixture";
import { filterArbitrary } from "../conformance/generators";
import type { Thing } from "../conformance/harness";
import { DIALECTS } from "../support/databases";
import { startTestHttp } from "../support/gateway";
import { openClient, type Subscriber, subscribe, waitFor } from "../support/subscriptions";

const RUNS = 40;
const SUBSCRIBERS = 4;

/** The conformance catalogue's fields as task-record fields; filters on the others (numbers, booleans) are dropped. */
const FIELDS: Readonly<Record<string, string>> = {
  doc: "metadata",
  tags: "content",
  results: "resultContent",
  result_list: "resultContent",
  name: "label",
  task_name: "label",
  submittedAt: "submitted",
  submitted_at: "submitted",
  state: "queue",
};

/** Renames the fields a filter names (the first component of each field path); null if one has no counterpart. */
function renamed(filter: unknown): Record<string, unknown> | null {
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" || key === "$or" || key === "$nor") {
      const children = (value as unknown[]).map(renamed);
      if (children.some((child) => child === null)) return null;
      out[key] = children;
    } else if (key.startsWith("$")) {
      out[key] = value;
    } else {
      const [head, ...rest] = key.split(".");
      const field = FIELDS[head ?? ""];
      if (!field) return null;
      out[[field, ...rest].join(".")] = value;
    }
  }
  return out;
}

const filters = filterArbitrary.map(renamed).filter((filter): filter is Record<string, unknown> => filter !== null);

function record(msgId: string, thing: Thing): TaskRecordData {
  return {
    msgId,
    metadata: (thing.doc ?? null) as TaskRecordData["metadata"],
    content: (thing.tags ?? null) as TaskRecordData["content"],
    resultContent: (thing.results ?? null) as TaskRecordData["resultContent"],
    label: thing.name ?? null,
    submitted: thing.submittedAt ?? null,
    queue: thing.state ?? null,
  } as TaskRecordData;
}

type Operation =
  | { readonly op: "add"; readonly things: readonly number[] }
  | { readonly op: "update"; readonly target: number; readonly thing: number }
  | { readonly op: "delete"; readonly target: number };

const thingIndex = fc.integer({ min: 0, max: ALL_THINGS.length - 1 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.array(thingIndex, { minLength: 1, maxLength: 3 }).map((things) => ({ op: "add" as const, things })),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.nat(), thingIndex).map(([target, thing]) => ({ op: "update" as const, target, thing })),
  },
  { weight: 2, arbitrary: fc.nat().map((target) => ({ op: "delete" as const, target })) },
);

interface Change {
  readonly kind: string;
  readonly msgId: string;
}

describe.each(DIALECTS)("filter equivalence on %s", (dialect: Dialect) => {
  let app: App;
  let client: Client;
  let run = 0;
  /** Deliveries expected and withheld per kind over all runs: the property is not vacuous. */
  const tally = { ADDED: 0, UPDATED: 0, DELETED: 0, withheld: 0 };

  beforeAll(async () => {
    app = await startTestHttp(dialect);
    client = openClient(app.url);
  });
  afterAll(async () => {
    await client?.dispose();
    await app?.close();
  });

  async function listed(filter: Record<string, unknown>, prefix: string): Promise<Set<string>> {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `query($f: Filter) { taskRecords(filter: $f, first: 1000) { edges { node { msgId } } } }`,
        variables: { f: filter },
      }),
    });
    const body = (await response.json()) as { data: { taskRecords: { edges: { node: { msgId: string } }[] } } };
    return new Set(body.data.taskRecords.edges.map((edge) => edge.node.msgId).filter((id) => id.startsWith(prefix)));
  }

  it(`delivers exactly what the list returns, over ${RUNS} generated filter sets and change sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(filters, { minLength: SUBSCRIBERS, maxLength: SUBSCRIBERS }),
        fc.array(operation, { minLength: 3, maxLength: 10 }),
        async (filterSet, operations) => {
          const prefix = `r${++run}-`;
          const subscribers: Subscriber<{ taskRecordChanged: Change }>[] = filterSet.map((filter) =>
            subscribe(client, `subscription($f: Filter) { taskRecordChanged(filter: $f) { kind msgId } }`, {
              f: filter,
            }),
          );
          try {
            await waitFor(() => app.services.changes.active === SUBSCRIBERS, 5000, "the subscriptions to start");
            const expected: Change[][] = filterSet.map(() => []);
            const live: string[] = [];
            let next = 0;
            for (const step of operations) {
              if (step.op === "add") {
                const ids = step.things.map(() => `${prefix}${next++}`);
                await app.services.tasks.add(
                  step.things.map((thing, i) => record(ids[i] as string, ALL_THINGS[thing] as Thing)),
                );
                live.push(...ids);
                for (const [i, filter] of filterSet.entries()) {
                  const listedNow = await listed(filter, prefix);
                  for (const id of ids) if (listedNow.has(id)) expected[i]?.push({ kind: "ADDED", msgId: id });
                }
              } else if (live.length > 0) {
                const target = live[step.target % live.length] as string;
                if (step.op === "update") {
                  const { msgId: _, ...patch } = record(target, ALL_THINGS[step.thing] as Thing);
                  await app.services.tasks.update(target, patch);
                  for (const [i, filter] of filterSet.entries()) {
                    if ((await listed(filter, prefix)).has(target))
                      expected[i]?.push({ kind: "UPDATED", msgId: target });
                  }
                } else {
                  const before = await Promise.all(filterSet.map((filter) => listed(filter, prefix)));
                  await app.services.taskPurge.purge({ msgIds: [target], force: true });
                  live.splice(live.indexOf(target), 1);
                  before.forEach((ids, i) => ids.has(target) && expected[i]?.push({ kind: "DELETED", msgId: target }));
                }
              }
              // One change at a time: each is judged against the row it left, before the next one lands.
              await waitFor(
                () => subscribers.every((subscriber, i) => subscriber.results.length >= (expected[i]?.length ?? 0)),
                5000,
                "the changes to arrive",
              );
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
            for (const changes of expected) for (const change of changes) tally[change.kind as "ADDED"] += 1;
            tally.withheld += operations.length * SUBSCRIBERS - expected.flat().length;
            subscribers.forEach((subscriber, i) => {
              const got = subscriber.results.map((result) => result.data?.taskRecordChanged);
              expect(got, `filter ${JSON.stringify(filterSet[i])}`).toEqual(expected[i]);
            });
          } finally {
            for (const subscriber of subscribers) subscriber.unsubscribe();
            await waitFor(() => app.services.changes.active === 0, 5000, "the subscriptions to end");
          }
        },
      ),
      { seed: 17_2026, numRuns: RUNS },
    );
    console.log(`${dialect}: deliveries ${JSON.stringify(tally)}`);
    expect(tally.ADDED).toBeGreaterThan(10);
    expect(tally.UPDATED).toBeGreaterThan(10);
    expect(tally.DELETED).toBeGreaterThan(3);
    expect(tally.withheld).toBeGreaterThan(50);
  }, 240_000);
});
