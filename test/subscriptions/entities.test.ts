/**
 * Each subscription, each kind of change, on both stores, over a real server and real graphql-ws clients: the
 * event arrives after the write commits, names its record, and resolves the node like a query (relations too).
 */
import type { Client } from "graphql-ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import type { Dialect } from "../../src/dialect";
import type { App } from "../../src/server/app";
import { DIALECTS } from "../support/databases";
import { startTestHttp } from "../support/gateway";
import { LiveSubscriptions, openClient, postGraphql } from "../support/subscriptions";

describe.each(DIALECTS)("subscriptions on %s", (dialect: Dialect) => {
  let app: App;
  let client: Client;

  beforeAll(async () => {
    app = await startTestHttp(dialect);
    client = openClient(app.url);
  });
  const subscriptions = new LiveSubscriptions(
    () => app,
    () => client,
  );
  afterEach(() => subscriptions.endAll());
  afterAll(async () => {
    await client?.dispose();
    await app?.close();
  });

  const live = (query: string) => subscriptions.start(query);
  const post = <T = Record<string, unknown>>(_: App, query: string, variables?: Record<string, unknown>) =>
    postGraphql<T>(app.url, query, variables);

  it("taskRecordChanged: ADDED, UPDATED, DELETED with the record as a query resolves it", async () => {
    const changes = await live(
      `subscription { taskRecordChanged(filter: {label: "watched"}) { kind msgId record { msgId label completed } } }`,
    );
    await post(
      app,
      `mutation { addTaskRecords(records: [{msgId: "t1", label: "watched"}, {msgId: "t2", label: "other"}]) { msgId } }`,
    );
    expect((await changes.next()).data).toEqual({
      taskRecordChanged: { kind: "ADDED", msgId: "t1", record: { msgId: "t1", label: "watched", completed: null } },
    });
    await post(app, `mutation { updateTaskRecord(msgId: "t1", patch: {completed: "2026-01-02T03:04:05Z"}) { msgId } }`);
    const updated = (await changes.next()).data as {
      taskRecordChanged: { kind: string; record: { completed: string } };
    };
    expect(updated.taskRecordChanged.kind).toBe("UPDATED");
    expect(updated.taskRecordChanged.record.completed).toMatch(/^2026-01-02T03:04:05/);
    await post(app, `mutation { purgeTaskRecords(msgIds: ["t1", "t2"], force: true) { count } }`);
    expect((await changes.next()).data).toEqual({ taskRecordChanged: { kind: "DELETED", msgId: "t1", record: null } });
    await changes.quiet(200); // t2 never matched the filter
    changes.unsubscribe();
  });

  it("jobChanged and flowChanged: a flow added, a job checked out, the flow deleted; relations resolve", async () => {
    const jobs = await live(
      `subscription { jobChanged { kind dbId job { name state flow { uuid name } parents { name } } } }`,
    );
    const flows = await live(`subscription { flowChanged { kind uuid flow { name jobs { name } } } }`);
    const flow = await post<{ addFlow: { uuid: string } }>(
      app,
      `mutation { addFlow(flow: {name: "f", jobs: [{name: "a", uuid: "ja"}, {name: "b", uuid: "jb", parents: ["ja"]}]}) { uuid } }`,
    );
    const added = [(await jobs.next()).data, (await jobs.next()).data] as {
      jobChanged: {
        kind: string;
        job: { name: string; state: string; flow: { uuid: string }; parents: { name: string }[] };
      };
    }[];
    expect(added.map((event) => event.jobChanged.kind)).toEqual(["ADDED", "ADDED"]);
    const b = added.find((event) => event.jobChanged.job.name === "b");
    expect(b?.jobChanged.job.parents).toEqual([{ name: "a" }]);
    expect(b?.jobChanged.job.flow.uuid).toBe(flow.addFlow.uuid);
    const flowAdded = (await flows.next()).data as { flowChanged: { kind: string; flow: { jobs: unknown[] } } };
    expect(flowAdded.flowChanged.kind).toBe("ADDED");

    await post(app, `mutation { checkoutJob { dbId } }`);
    const checkedOut = (await jobs.next()).data as {
      jobChanged: { kind: string; job: { name: string; state: string } };
    };
    expect(checkedOut.jobChanged).toMatchObject({ kind: "UPDATED", job: { name: "a", state: "CHECKED_OUT" } });

    await post(app, `mutation D($u: [String!]) { deleteFlows(query: {flowIds: $u}) { __typename } }`, {
      u: [flow.addFlow.uuid],
    });
    const deletedJobs = [(await jobs.next()).data, (await jobs.next()).data] as {
      jobChanged: { kind: string; job: null };
    }[];
    expect(deletedJobs.map((event) => event.jobChanged)).toEqual([
      expect.objectContaining({ kind: "DELETED", job: null }),
      expect.objectContaining({ kind: "DELETED", job: null }),
    ]);
    // The flow's own events: its state followed the checkout (UPDATED), then it went (DELETED).
    const flowKinds: string[] = [];
    while (!flowKinds.includes("DELETED")) {
      flowKinds.push(((await flows.next()).data as { flowChanged: { kind: string } }).flowChanged.kind);
    }
    expect(flowKinds.at(-1)).toBe("DELETED");
    jobs.unsubscribe();
    flows.unsubscribe();
  });

  it("queueEntryChanged: queued (ADDED), canceled (UPDATED), claimed (DELETED) with the entry's job type", async () => {
    const entries = await live(`subscription { queueEntryChanged { kind id entry { isCanceled jobType { name } } } }`);
    const type = await post<{ createJobType: { id: number } }>(
      app,
      `mutation { createJobType(input: {name: "render", version: "1"}) { id } }`,
    );
    const created = await post<{ createScaleJobs: { id: number }[] }>(
      app,
      `mutation J($t: Int!) { createScaleJobs(jobs: [{jobTypeId: $t, input: {files: {input_file: [1]}}}], queue: true) { id } }`,
      { t: type.createJobType.id },
    );
    const queued = (await entries.next()).data as { queueEntryChanged: { kind: string; id: number; entry: unknown } };
    expect(queued.queueEntryChanged).toMatchObject({
      kind: "ADDED",
      entry: { isCanceled: false, jobType: { name: "render" } },
    });
    await post(app, `mutation C($j: Int!) { cancelQueuedJobs(jobs: [{jobId: $j}]) { canceledCount } }`, {
      j: created.createScaleJobs[0]?.id,
    });
    expect((await entries.next()).data).toMatchObject({
      queueEntryChanged: { kind: "UPDATED", id: queued.queueEntryChanged.id, entry: { isCanceled: true } },
    });
    await post(app, `mutation { claimQueueEntry { id } }`);
    expect((await entries.next()).data).toEqual({
      queueEntryChanged: { kind: "DELETED", id: queued.queueEntryChanged.id, entry: null },
    });
    entries.unsubscribe();
  });
});
