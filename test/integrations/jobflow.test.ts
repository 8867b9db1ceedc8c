/**
 * jobflow flows end to end through hubql (issue 16): real jobflow flows submitted with `submit_flow`, run by two
 * `python -m hubql_jobflow.worker` processes against a gateway on an ephemeral port with a fresh SQLite store, then
 * a fresh Postgres one, and compared by test/integrations/jobflow/driver.py with what jobflow's own
 * `run_locally` gives for the same flows: completed jobs and raw outputs, outputs as references resolve them,
 * every job state, the flow state (jobflow-remote's own rule), and the submitted documents read back.
 *
 * The Python side runs in a virtualenv cached outside the tree (test/support/python-env.ts), built with the pinned
 * jobflow stack from ../shared/wheels when that folder exists, plain pip otherwise. The last cases check the
 * deliberate differences from jobflow-remote that only show with real jobflow (docs/flows-and-jobs.md, "jobflow
 * documents"): a store_inputs job stores references, an unresolvable reference fails the job, NaN has no JSON form.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { App } from "../../src/server/app";
import { DIALECTS } from "../support/databases";
import { startTestHttp } from "../support/gateway";
import { driver, jobflowPython, jobflowVenv, startWorker, type WorkerProcess } from "../support/jobflow-env";
import type { Venv } from "../support/python-env";

const found = jobflowPython();
const skip = "skip" in found ? found.skip : null;
if (skip) console.warn(`jobflow integration test skipped: ${skip}`);

/** The flows of test/integrations/jobflow/hubql_test_flows.py. */
const FLOWS = ["chain", "fan", "stores", "replace", "addition", "detour", "stop"] as const;
const FLOW_FINAL_STATES = ["COMPLETED", "FAILED", "STOPPED"];

interface Check {
  problems: string[];
  flowState: string;
  jobs: number;
  completed: number;
  runLocallyPasses: number;
}

interface Reference {
  passes: number;
  outputs: Record<string, string>;
  ran: string[];
  stoppedBy: string[];
}

describe.skipIf(skip !== null)(`jobflow flows through hubql${skip ? ` — skipped: ${skip}` : ""}`, () => {
  let venv: Venv;

  beforeAll(async () => {
    if ("python" in found) venv = await jobflowVenv(found.python);
  }, 600_000);

  it("run_locally gives the reference each comparison uses", async () => {
    const references = Object.fromEntries(
      await Promise.all(
        [...FLOWS, "retry"].map(async (flow) => [flow, await driver<Reference>(venv, ["reference", flow])] as const),
      ),
    );
    // Every job of the plain flows completes in one pass; dynamic responses add their jobs (replace: x, y and the
    // store_inputs job at index 2; detour: two jobs; addition: one).
    expect(Object.keys(references["chain"]!.outputs)).toHaveLength(4);
    // Loaded back from the additional store: the value references resolve to.
    expect(Object.values(references["stores"]!.outputs)).toContain('{"n":3,"values":[0.0,0.5,1.0]}');
    expect(Object.keys(references["fan"]!.outputs)).toHaveLength(6);
    expect(Object.keys(references["replace"]!.outputs).filter((key) => key.endsWith(":2"))).toHaveLength(1);
    expect(Object.keys(references["replace"]!.outputs)).toHaveLength(6);
    expect(Object.keys(references["addition"]!.outputs)).toHaveLength(3);
    expect(Object.keys(references["detour"]!.outputs)).toHaveLength(4);
    // The integral float stays a float: 7.0, not 7 (the reason outputs travel as JSON text).
    expect(Object.values(references["chain"]!.outputs)).toContain('{"repr":"7.0","type":"float","x":7.0}');
    // stop_children: the child never runs.
    expect(references["stop"]!.stoppedBy).toHaveLength(1);
    expect(Object.keys(references["stop"]!.outputs)).toHaveLength(2);
    // retry: the first pass fails the flaky job and runs nothing after it; the second completes both.
    expect(references["retry"]!.passes).toBe(2);
    expect(Object.keys(references["retry"]!.outputs)).toHaveLength(2);
  }, 120_000);

  describe.each(DIALECTS)("on %s", (dialect) => {
    const operator = randomBytes(18).toString("hex");
    const workDir = mkdtempSync(path.join(tmpdir(), "hubql-jobflow-"));
    const runsLog = path.join(workDir, "runs.log");
    const workerEnv = { HUBQL_JOBFLOW_TEST_RUNS: runsLog, HUBQL_JOBFLOW_TEST_MARKERS: workDir };
    let app: App;
    /** The two workers every flow shares, and the slow test's own. */
    let workers: WorkerProcess[] = [];
    const extraWorkers: WorkerProcess[] = [];

    beforeAll(async () => {
      app = await startTestHttp(dialect, {
        auth: { tokens: `operator:${operator}`, tokensFile: null, allowUnauthenticatedNetwork: false },
      });
    });

    afterAll(async () => {
      await Promise.all([...workers, ...extraWorkers].map((worker) => worker.stop()));
      await app?.close();
      rmSync(workDir, { recursive: true, force: true });
    });

    /** The two workers, started for the first flow and kept for the rest. */
    function ensureWorkers(): void {
      if (workers.length > 0) return;
      workers = ["a", "b"].map((name) =>
        startWorker(
          venv,
          [
            "--url",
            app.url,
            "--token",
            operator,
            "--worker",
            "local",
            "--holder",
            `worker-${name}`,
            "--poll-interval",
            "0.2",
            "--ttl",
            "30",
            "--run-dir",
            path.join(workDir, `runs-${name}`),
          ],
          workerEnv,
        ),
      );
    }

    async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const response = await fetch(`${app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${operator}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: unknown[] };
      if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body.data as T;
    }

    /** Polls the flow until its state is one of `states`; fails with the workers' logs after `seconds`. */
    async function waitForFlow(uuid: string, states: readonly string[], seconds = 90): Promise<string> {
      const deadline = Date.now() + seconds * 1000;
      for (;;) {
        const { flow } = await gql<{ flow: { state: string } | null }>(
          "query($uuid: ID!) { flow(uuid: $uuid) { state } }",
          { uuid },
        );
        if (flow && states.includes(flow.state)) return flow.state;
        if (Date.now() > deadline) {
          const logs = workers.map((worker) => worker.log().slice(-4000)).join("\n---\n");
          throw new Error(`flow ${uuid} is ${flow?.state ?? "missing"} after ${seconds} s; workers:\n${logs}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    const submit = (flow: string, worker = "local", ...extra: string[]) =>
      driver<{ flowUuid: string; dbIds: string[] }>(venv, [
        "submit",
        flow,
        "--url",
        app.url,
        "--token",
        operator,
        "--worker",
        worker,
        ...extra,
      ]);

    type FlowJobs = {
      flows: {
        edges: {
          node: {
            jobs: { name: string; index: number; state: string; error: string | null; outputJson: string | null }[];
          };
        }[];
      };
    };
    /** The job rows of the (one) flow with that name. */
    const jobsOf = async (name: string) =>
      (
        await gql<FlowJobs>(
          `query($name: String) { flows(query: { name: $name }, first: 1) { edges { node { jobs { name index state error outputJson } } } } }`,
          { name },
        )
      ).flows.edges[0]?.node.jobs ?? [];
    const check = (flow: string, phase: "first" | "final" = "final") =>
      driver<Check>(venv, ["check", flow, "--url", app.url, "--token", operator, "--phase", phase]);

    it("installs hubql_jobflow, whose client talks to the gateway over one kept-alive connection", async () => {
      const ping = await driver<{ jobStates: number; flowStates: number; reused: boolean; wrongToken: string | null }>(
        venv,
        ["ping", "--url", app.url, "--token", operator],
      );
      expect(ping).toEqual({ jobStates: 16, flowStates: 7, reused: true, wrongToken: "UNAUTHENTICATED" });
    });

    describe("two workers run each flow to run_locally's states and outputs", () => {
      it.each(FLOWS)(
        "%s",
        async (flow) => {
          const { flowUuid } = await submit(flow);
          ensureWorkers();
          await waitForFlow(flowUuid, FLOW_FINAL_STATES);
          const result = await check(flow);
          expect(result.problems).toEqual([]);
          expect(result.flowState).toBe(flow === "stop" ? "STOPPED" : "COMPLETED");
        },
        120_000,
      );

      // Needs the same server step as above.
      it("retry: the flaky job FAILED, its child WAITING, the flow FAILED; after rerunJobs, COMPLETED", async () => {
        const { flowUuid } = await submit("retry");
        ensureWorkers();
        expect(await waitForFlow(flowUuid, FLOW_FINAL_STATES)).toBe("FAILED");
        const first = await check("retry", "first");
        expect(first.problems).toEqual([]);
        const { jobs } = await gql<{ jobs: { edges: { node: { uuid: string; state: string } }[] } }>(
          `query($flow: String!) { jobs(query: { flowIds: [$flow], states: [FAILED] }) { edges { node { uuid state } } } }`,
          { flow: flowUuid },
        );
        expect(jobs.edges).toHaveLength(1);
        await gql(`mutation($uuid: String!) { rerunJobs(query: { jobIds: [{ uuid: $uuid }] }) { dbIds } }`, {
          uuid: jobs.edges[0]!.node.uuid,
        });
        expect(await waitForFlow(flowUuid, ["COMPLETED"])).toBe("COMPLETED");
        const final = await check("retry");
        expect(final.problems).toEqual([]);
      }, 180_000);

      // Needs the same server step.
      it("slow: the lease is renewed while a job outlives it, and released when the job completes", async () => {
        const { flowUuid } = await submit("slow", "slow");
        const slowWorker = startWorker(
          venv,
          // The job's folder goes with the test's files (the worker's default is the folder it was started in).
          [
            "--url",
            app.url,
            "--token",
            operator,
            "--worker",
            "slow",
            "--holder",
            "slow-worker",
            "--ttl",
            "1.2",
            "--run-dir",
            path.join(workDir, "runs-slow"),
          ],
          { ...workerEnv, HUBQL_JOBFLOW_TEST_RUNS: path.join(workDir, "slow-runs.log") },
        );
        extraWorkers.push(slowWorker);
        const lease = `query($flow: String!) {
          jobs(query: { flowIds: [$flow] }) { edges { node { state isLocked lockHolder startTime } } }
        }`;
        type Lease = { jobs: { edges: { node: { state: string; isLocked: boolean; lockHolder: string | null } }[] } };
        const deadline = Date.now() + 60_000;
        let running: Lease["jobs"]["edges"][number]["node"] | undefined;
        while (Date.now() < deadline && running?.state !== "RUNNING") {
          running = (await gql<Lease>(lease, { flow: flowUuid })).jobs.edges[0]?.node;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(running?.state).toBe("RUNNING");
        // Two seconds into a three-second job: a 1.2 s lease only holds if it was renewed.
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const held = (await gql<Lease>(lease, { flow: flowUuid })).jobs.edges[0]?.node;
        expect(held).toMatchObject({ state: "RUNNING", isLocked: true, lockHolder: "slow-worker" });
        expect(await waitForFlow(flowUuid, FLOW_FINAL_STATES)).toBe("COMPLETED");
        const done = (await gql<Lease>(lease, { flow: flowUuid })).jobs.edges[0]?.node;
        expect(done).toMatchObject({ state: "COMPLETED", isLocked: false });
        expect((await check("slow")).problems).toEqual([]);
      }, 120_000);

      it("the store_inputs job of a multi-job replace stores references, as under run_locally", async () => {
        const jobs = await jobsOf("replace");
        const storeInputs = jobs.find((job) => job.index === 2);
        expect(storeInputs?.state).toBe("COMPLETED");
        expect(JSON.parse(storeInputs?.outputJson ?? "null")).toMatchObject({
          "@class": "OutputReference",
          attributes: [],
        });
      });

      it("additional-store data is inline in the stored output", async () => {
        const table = (await jobsOf("stores")).find((job) => job.name === "tabulate");
        expect(table?.outputJson).toBe('{"values":[0.0,0.5,1.0],"n":3}');
      });

      it("a reference nothing can resolve fails its job with jobflow's reason", async () => {
        const { flowUuid } = await submit("external", "local", "--allow-external-references");
        ensureWorkers();
        expect(await waitForFlow(flowUuid, FLOW_FINAL_STATES)).toBe("FAILED");
        const [job] = await jobsOf("external");
        expect(job).toMatchObject({ state: "FAILED", outputJson: null });
        expect(job?.error).toContain("Could not resolve reference");
      }, 120_000);

      it("an output with NaN fails its job, saying that JSON cannot carry it", async () => {
        const { flowUuid } = await submit("nan");
        ensureWorkers();
        expect(await waitForFlow(flowUuid, FLOW_FINAL_STATES)).toBe("FAILED");
        const [job] = await jobsOf("nan");
        expect(job?.state).toBe("FAILED");
        expect(job?.error).toContain("NaN and infinities have no JSON form");
      }, 120_000);

      // Every flow above has run by now.
      it("no job ran twice, and both workers ran jobs", () => {
        const lines = readFileSync(runsLog, "utf8").trim().split("\n");
        const runs = new Map<string, number>();
        const pids = new Set<string>();
        for (const line of lines) {
          const [uuid, index, pid] = line.split(" ");
          runs.set(`${uuid}:${index}`, (runs.get(`${uuid}:${index}`) ?? 0) + 1);
          pids.add(pid ?? "");
        }
        // Only the flaky job runs twice: once failing, once after its rerun.
        const twice = [...runs].filter(([, count]) => count > 1);
        expect(twice).toHaveLength(1);
        expect(twice[0]![1]).toBe(2);
        expect(pids).toEqual(new Set(workers.map((worker) => String(worker.child.pid))));
      });
    });
  });
});
