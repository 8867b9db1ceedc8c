/**
 * Typed clients as their users build them: the committed generated operations are what codegen makes from the
 * committed schema (and the check fails when they are not), the example client type-checks against them, and it
 * works against a live hubql over HTTP on both dialects.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  addAndListUnfinished,
  addFlowAndCheckout,
  HubqlClient,
  HubqlError,
  queueJobsOfNewType,
  watchJobStates,
} from "../../client/example-client";
import { CountTasksDocument, FindTasksDocument, TaskRecordDocument } from "../../client/generated/operations";
import type { App } from "../../src/server/app";
import { DIALECTS } from "../support/databases";
import { startTestHttp } from "../support/gateway";
import { waitFor } from "../support/subscriptions";

const run = promisify(execFile);
const CODEGEN = resolve("node_modules/.bin/graphql-codegen");
const ADMIN_TOKEN = "client-admin-token";

describe("codegen", () => {
  it("committed client/generated is what codegen makes from the schema (npm run codegen:check)", async () => {
    await expect(run(CODEGEN, ["--config", "codegen.yml", "--check"])).resolves.toBeDefined();
  });

  it("codegen --check fails when an operation changed but client/generated did not", async () => {
    // A scratch copy inside node_modules/.cache: codegen resolves its plugins from the working directory up.
    mkdirSync(resolve("node_modules/.cache"), { recursive: true });
    const scratch = mkdtempSync(resolve("node_modules/.cache/hubql-codegen-"));
    try {
      for (const path of ["codegen.yml", "schema", "client/operations", "client/generated"])
        cpSync(path, join(scratch, path), { recursive: true });
      const operations = join(scratch, "client/operations/tasks.graphql");
      writeFileSync(operations, `${readFileSync(operations, "utf8")}\nquery History { taskHistory }\n`);
      await expect(run(CODEGEN, ["--config", "codegen.yml", "--check"], { cwd: scratch })).rejects.toThrow();
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("the example client and a misuse fixture type-check: generated types constrain variables and results", () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      resolve("tsconfig.json"),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    const program = ts.createProgram({
      rootNames: [resolve("client/example-client.ts"), resolve("test/codegen/fixtures/typed-client-misuse.ts")],
      options: { ...config!.options, noEmit: true },
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  });
});

describe.each(DIALECTS)("the typed example client against a live hubql (%s)", (dialect) => {
  let app: App;
  let client: HubqlClient;

  beforeAll(async () => {
    // Authentication on, as where programs call a shared hubql. The client sends an admin token: registering a
    // job type is an admin act.
    app = await startTestHttp(dialect, {
      auth: { tokens: `admin:${ADMIN_TOKEN}`, tokensFile: null, allowUnauthenticatedNetwork: false },
    });
    client = new HubqlClient(`${app.url}/graphql`, { token: ADMIN_TOKEN });
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
  });

  it("watches job states over a subscription (graphql-ws, the token in connection_init) and prints each", async () => {
    const lines: string[] = [];
    const stop = watchJobStates(client, { name: { $in: ["watch-a", "watch-b"] } }, (line) => lines.push(line));
    await waitFor(() => app.services.changes.active === 1);
    const { checkedOut } = await addFlowAndCheckout(
      client,
      {
        name: "watched",
        jobs: [
          { name: "watch-a", uuid: "w-a" },
          { name: "watch-b", uuid: "w-b", parents: ["w-a"] },
        ],
      },
      "watcher",
    );
    // The job as it is when each change is delivered: its ADDED may already show CHECKED_OUT.
    await waitFor(
      () => lines.includes(`watch-a (${checkedOut?.dbId}): CHECKED_OUT`) && lines.some((l) => l.startsWith("watch-b")),
    );
    stop();
    expect(lines.find((line) => line.startsWith("watch-b"))).toMatch(/^watch-b \(\w+\): WAITING$/);
    for (const line of lines) expect(line).toMatch(/^watch-[ab] \(\w+\): (READY|CHECKED_OUT|WAITING)$/);
  });

  it("adds tasks and pages through the unfinished ones with typed results", async () => {
    const result = await addAndListUnfinished(client, [
      { msgId: "c-1", label: "one", submitted: "2026-11-21T09:00:00.000Z" },
      { msgId: "c-2", label: "two", submitted: "2026-11-21T09:01:00.000Z", completed: "2026-11-21T09:02:00.000Z" },
      { msgId: "c-3", label: "three", submitted: "2026-11-21T09:03:00.000Z" },
      { msgId: "c-4", label: "four", submitted: "2026-11-21T09:04:00.000Z" },
    ]);
    expect(result.added).toEqual(["c-1", "c-2", "c-3", "c-4"]);
    expect(result.unfinished.map((task) => [task.msgId, task.label, task.submitted])).toEqual([
      ["c-1", "one", "2026-11-21T09:00:00.000000Z"],
      ["c-3", "three", "2026-11-21T09:03:00.000000Z"],
      ["c-4", "four", "2026-11-21T09:04:00.000000Z"],
    ]);
    expect(result.total).toBe(4);
    const { taskRecord } = await client.request(TaskRecordDocument, { msgId: "c-2" });
    expect(taskRecord?.completed).toBe("2026-11-21T09:02:00.000000Z");
  });

  it("adds a flow, checks out its runnable job and reads it back by (uuid, index)", async () => {
    const result = await addFlowAndCheckout(
      client,
      {
        name: "relax-then-static",
        uuid: "flow-client-1",
        jobs: [
          { name: "relax", uuid: "job-relax" },
          { name: "static", uuid: "job-static", parents: ["job-relax"] },
        ],
      },
      "client-test",
    );
    expect(result.jobs.map((job) => [job.uuid, job.state])).toEqual([
      ["job-relax", "READY"],
      ["job-static", "WAITING"],
    ]);
    expect(result.checkedOut).toMatchObject({ uuid: "job-relax", index: 1, state: "CHECKED_OUT" });
    expect(result.job).toMatchObject({ uuid: "job-relax", state: "CHECKED_OUT", flow: { uuid: "flow-client-1" } });
  });

  it("queues jobs of a new job type and reads the queue and its status", async () => {
    const { queue, status } = await queueJobsOfNewType(client, "client-type", [{ n: 1 }, { n: 2 }]);
    expect(queue.totalCount).toBe(2);
    expect(queue.edges.map((edge) => [edge.node.exeNum, edge.node.jobType?.name])).toEqual([
      [1, "client-type"],
      [1, "client-type"],
    ]);
    expect(status).toEqual([expect.objectContaining({ count: 2, jobType: { name: "client-type", version: "1.0.0" } })]);
  });

  it("raises hubql's errors with their code", async () => {
    const anonymous = await new HubqlClient(`${app.url}/graphql`)
      .request(CountTasksDocument)
      .catch((error: unknown) => error);
    expect(anonymous).toBeInstanceOf(HubqlError);
    expect((anonymous as HubqlError).code).toBe("UNAUTHENTICATED");
    const failure = await client
      .request(FindTasksDocument, { filter: { started: { $gte: 5, $nosuch: 1 } } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HubqlError);
    expect((failure as HubqlError).code).toBe("BAD_USER_INPUT");
  });
});
