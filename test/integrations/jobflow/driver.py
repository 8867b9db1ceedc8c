"""The Python side of test/integrations/jobflow.test.ts: builds the test flows, submits them, and compares what
hubql holds after two workers ran them with what jobflow's own ``run_locally`` gives for the same flow.

    python driver.py ping --url U [--token T]            the client against a live gateway (keep-alive, token)
    python driver.py reference FLOW                      run_locally only: which jobs complete, fail, never run
    python driver.py submit FLOW --url U [--token T] [--allow-external-references]
                                                         submit_flow; prints {"flowUuid", "dbIds"}
    python driver.py check FLOW --url U [--token T] [--phase first|final]
                                                         compare hubql with run_locally; prints {"problems": […]}

``check`` compares, for every job row of the flow: the set of completed ``(uuid, index)`` and each raw output
(``JobStoreDocument.output``, equal after JSON normalization); each uuid's output as a reference resolves it
(``JobStore.get_output``, which follows references inside outputs); each row's state with the state run_locally's
run implies (completed → COMPLETED, ran and raised → FAILED, child of a stop_children → STOPPED, else WAITING);
the flow state with jobflow-remote's own ``FlowState.from_jobs_states``; and the submitted documents read back
(every job's ``documentJson`` and the flow's) with what jobflow serializes. ``--phase first`` stops after the first
run_locally pass (the ``retry`` flow's flaky job has failed once); ``final`` (default) runs run_locally again when
the first pass did not finish, as a rerun in hubql does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from hubql_jobflow import HubqlClient, HubqlError, flow_document, job_documents, submit_flow
from hubql_jobflow.documents import canonical, job_document
from hubql_jobflow.store import StoredOutput, build_store, fetch_closure, fetch_outputs
from hubql_test_flows import build
from jobflow import JobStore, run_locally
from jobflow_remote.jobs.jobcontroller import get_flow_leafs
from jobflow_remote.jobs.state import FlowState, JobState
from maggma.stores import MemoryStore

ROWS = """
query DriverRows($uuid: String!, $flow: ID!, $after: String) {
  jobs(query: { flowIds: [$uuid] }, first: 500, after: $after) {
    edges { node { uuid index name state parentUuids } }
    pageInfo { hasNextPage endCursor }
  }
  flow(uuid: $flow) { state }
}
"""


def ping(url: str, token: str | None) -> dict[str, Any]:
    """Two queries on one client: the second must reuse the first's connection; a wrong token is refused."""
    client = HubqlClient(url, token)
    first = client.execute("query { jobStateCounts { state count } }")
    connection = client._connection
    second = client.execute("query { flowStateCounts { state count } }")
    reused = connection is not None and connection is client._connection
    client.close()
    try:
        HubqlClient(url, "not-a-token").execute("query { countFlows }")
        refused = None
    except HubqlError as error:
        refused = error.code
    return {
        "jobStates": len(first["jobStateCounts"]),
        "flowStates": len(second["flowStateCounts"]),
        "reused": reused,
        "wrongToken": refused,
    }


def memory_store() -> JobStore:
    """A store like run_locally's default (SETTINGS.JOB_STORE), private to this run."""

    def additional() -> MemoryStore:
        store = MemoryStore()
        store.connect()
        return store

    store = JobStore(MemoryStore(), additional_stores=defaultdict(additional))
    store.connect()
    return store


def reference(name: str, phase: str) -> dict[str, Any]:
    """run_locally over a fresh copy of the flow: outputs by "uuid:index", runs, and stop_children parents."""
    store = memory_store()
    saved = {key: os.environ.get(key) for key in ("HUBQL_JOBFLOW_TEST_MARKERS", "HUBQL_JOBFLOW_TEST_RUNS")}
    with tempfile.TemporaryDirectory() as scratch:
        markers, runs = Path(scratch, "markers"), Path(scratch, "runs.log")
        markers.mkdir()
        os.environ["HUBQL_JOBFLOW_TEST_MARKERS"] = str(markers)
        os.environ["HUBQL_JOBFLOW_TEST_RUNS"] = str(runs)
        passes = 0
        stopped_by: set[str] = set()
        responded: set[str] = set()
        while True:
            passes += 1
            responses = run_locally(build(name), store=store, log=False, root_dir=scratch)
            for uuid, by_index in responses.items():
                responded |= {f"{uuid}:{index}" for index in by_index}
                if any(response.stop_children for response in by_index.values()):
                    stopped_by.add(uuid)
            ran = _runs(runs)
            # A job that ran without a response raised: hubql reruns it (and its children) once, so does this.
            if passes > 1 or phase == "first" or not ran - responded:
                break
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    outputs = {
        f"{doc['uuid']}:{doc['index']}": doc["output"]
        for doc in store.query({}, ["uuid", "index", "output"], load=True)
    }
    resolved = {uuid: canonical(store.get_output(uuid, load=True)) for uuid in {key.split(":")[0] for key in outputs}}
    return {
        "passes": passes,
        "outputs": {key: canonical(value) for key, value in outputs.items()},
        "resolved": resolved,
        "ran": sorted(ran),
        "stoppedBy": sorted(stopped_by),
    }


def _runs(log: Path) -> set[str]:
    """ "uuid:index" of every job execution recorded so far."""
    if not log.exists():
        return set()
    return {":".join(line.split()[:2]) for line in log.read_text(encoding="utf-8").splitlines()}


def submit(name: str, url: str, token: str | None, worker: str, allow_external: bool) -> dict[str, Any]:
    submitted = submit_flow(build(name), url, token, worker=worker, allow_external_references=allow_external)
    return {"flowUuid": submitted.uuid, "dbIds": submitted.db_ids}


def check(name: str, url: str, token: str | None, phase: str) -> dict[str, Any]:
    expected = reference(name, phase)
    flow = build(name)
    problems: list[str] = []
    client = HubqlClient(url, token)
    rows, flow_state = _rows(client, flow.uuid)

    # 1. Completed jobs and their raw outputs.
    completed = {f"{r['uuid']}:{r['index']}" for r in rows if r["state"] == "COMPLETED"}
    if completed != set(expected["outputs"]):
        problems.append(f"completed jobs differ: hubql {sorted(completed)}, run_locally {sorted(expected['outputs'])}")
    stored = fetch_outputs(client, {r["uuid"] for r in rows})
    for item in stored:
        key = f"{item.uuid}:{item.index}"
        want = expected["outputs"].get(key)
        if want is not None and canonical(item.output) != want:
            problems.append(
                f"output of {key} ({_name(rows, item)}): hubql {canonical(item.output)}, run_locally {want}"
            )

    # 2. Outputs as references resolve them (through store_inputs and the like).
    store = build_store(fetch_closure({r["uuid"] for r in rows}, lambda uuids: fetch_outputs(client, uuids)))
    for uuid, want in expected["resolved"].items():
        try:
            got = canonical(store.get_output(uuid, load=True))
        except ValueError as error:
            got = f"<{error}>"
        if got != want:
            problems.append(f"resolved output of {uuid}: hubql {got}, run_locally {want}")

    # 3. Job states, and 4. the flow state by jobflow-remote's own rule over the expected states.
    ran = set(expected["ran"])
    stopped_by = set(expected["stoppedBy"])
    expected_rows = []
    for row in rows:
        key = f"{row['uuid']}:{row['index']}"
        if key in expected["outputs"]:
            want_state = "COMPLETED"
        elif key in ran:
            want_state = "FAILED"
        elif stopped_by & set(row["parentUuids"]):
            want_state = "STOPPED"
        else:
            want_state = "WAITING"
        if row["state"] != want_state:
            problems.append(f"state of {key} ({row['name']}): hubql {row['state']}, expected {want_state}")
        expected_rows.append(
            {"uuid": row["uuid"], "index": row["index"], "parents": row["parentUuids"], "state": want_state}
        )
    leaves = [JobState(r["state"]) for r in get_flow_leafs(expected_rows)]
    want_flow = FlowState.from_jobs_states([JobState(r["state"]) for r in expected_rows], leaves).value
    if flow_state != want_flow:
        problems.append(f"flow state: hubql {flow_state}, jobflow-remote's rule gives {want_flow}")

    # 5. The submitted documents read back.
    documents = job_documents(flow.uuid, url, token)
    for job, _parents in flow.iterflow():
        got_doc = documents.get((job.uuid, job.index))
        if got_doc is None or canonical(got_doc) != canonical(job_document(job)):
            problems.append(f"document of job {job.uuid} ({job.name}) differs from Job.as_dict()")
    if canonical(flow_document(flow.uuid, url, token)) != canonical(flow.as_dict()):
        problems.append("the flow document read back differs from Flow.as_dict()")
    client.close()
    return {
        "problems": problems,
        "flowState": flow_state,
        "jobs": len(rows),
        "completed": len(completed),
        "runLocallyPasses": expected["passes"],
    }


def _rows(client: HubqlClient, flow_uuid: str) -> tuple[list[dict[str, Any]], str | None]:
    rows: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        data = client.execute(ROWS, {"uuid": flow_uuid, "flow": flow_uuid, "after": after})
        rows.extend(edge["node"] for edge in data["jobs"]["edges"])
        state = (data.get("flow") or {}).get("state")
        if not data["jobs"]["pageInfo"]["hasNextPage"]:
            return rows, state
        after = data["jobs"]["pageInfo"]["endCursor"]


def _name(rows: list[dict[str, Any]], item: StoredOutput) -> str:
    return next((r["name"] for r in rows if r["uuid"] == item.uuid and r["index"] == item.index), "?")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["ping", "reference", "submit", "check"])
    parser.add_argument("flow", nargs="?")
    parser.add_argument("--url")
    parser.add_argument("--token")
    parser.add_argument("--worker", default="local")
    parser.add_argument("--phase", choices=["first", "final"], default="final")
    parser.add_argument("--allow-external-references", action="store_true")
    args = parser.parse_args(argv)
    if args.command != "reference" and not args.url:
        parser.error("--url is required")
    if args.command != "ping" and not args.flow:
        parser.error("name a flow")
    if args.command == "ping":
        result = ping(args.url, args.token)
    elif args.command == "reference":
        result = reference(args.flow, args.phase)
    elif args.command == "submit":
        result = submit(args.flow, args.url, args.token, args.worker, args.allow_external_references)
    else:
        result = check(args.flow, args.url, args.token, args.phase)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
