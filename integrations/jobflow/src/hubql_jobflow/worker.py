"""A hubql worker for jobflow jobs: ``python -m hubql_jobflow.worker --url … --worker NAME [--token …]``.

Each cycle:

1. ``checkoutJob`` hands this process one READY job of its worker name, CHECKED_OUT under a lease held by this
   process (one atomic statement on the gateway, so parallel workers never get the same job);
2. the job's runner steps are reported in one request (UPLOADED, SUBMITTED with the pid, RUNNING), as
   jobflow-remote's runner does for a local worker;
3. the outputs its references need are fetched from hubql into a JobStore over maggma MemoryStores;
4. the job runs with jobflow's own ``Job.run`` in a folder of its own, while a thread renews the lease;
5. ``completeJob`` stores the output and the Response (replace, addition, detour, stop_children, stop_jobflow),
   or fails the job with the traceback; the lease is released.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from .client import HubqlClient, HubqlError, TransportError
from .documents import dumps, response_input
from .store import build_store, fetch_outputs, load_closure

__all__ = ["CheckedOutJob", "Worker", "WorkerOptions", "main"]

logger = logging.getLogger("hubql_jobflow.worker")

CHECKOUT = """
mutation HubqlJobflowCheckout($query: JobQueryInput, $flowUuid: String, $holder: String, $ttl: Float) {
  checkoutJob(query: $query, flowUuid: $flowUuid, holder: $holder, ttlSeconds: $ttl) {
    dbId uuid index name lockId documentJson
  }
}
"""

# jobflow-remote's runner takes a local job through these steps before it runs (jobflow-remote.md §8).
START = """
mutation HubqlJobflowStart($dbId: String, $lockId: String, $runDir: String, $processId: String) {
  uploaded: reportJobStep(dbId: $dbId, lockId: $lockId, success: true, to: UPLOADED, runDir: $runDir) { state }
  submitted: reportJobStep(dbId: $dbId, lockId: $lockId, success: true, to: SUBMITTED, processId: $processId) { state }
  running: reportJobStep(dbId: $dbId, lockId: $lockId, success: true, to: RUNNING) { state }
}
"""

COMPLETE = """
mutation HubqlJobflowComplete(
  $dbId: String, $lockId: String, $success: Boolean!, $error: String, $response: JobResponseInput
) {
  completeJob(dbId: $dbId, lockId: $lockId, success: $success, error: $error, response: $response) {
    state lockId
  }
}
"""

RENEW = """
mutation HubqlJobflowRenew($lockId: ID!, $ttl: Float) { renewLock(lockId: $lockId, ttlSeconds: $ttl) { expiresAt } }
"""
RELEASE = "mutation HubqlJobflowRelease($lockId: ID!) { releaseLock(lockId: $lockId) }"

#: Attempts (with 1 s, 2 s, 4 s … pauses) at reaching the gateway before a completion is given up.
COMPLETION_ATTEMPTS = 6


@dataclass(frozen=True)
class WorkerOptions:
    """What ``python -m hubql_jobflow.worker`` takes on its command line."""

    url: str
    worker: str
    token: str | None = None
    #: Lease length in seconds; renewed every third of it while a job runs.
    ttl: float = 120.0
    #: Seconds between checkouts while no job is READY.
    poll_interval: float = 1.0
    #: Each job runs in ``run_dir/<uuid>_<index>``.
    run_dir: Path = field(default_factory=Path.cwd)
    #: Only jobs of this flow.
    flow_uuid: str | None = None
    #: Stop after this many jobs (None: no limit).
    max_jobs: int | None = None
    #: Stop after this many seconds without a READY job (None: never).
    idle_exit: float | None = None
    #: Who holds the leases (shown in LOCKED errors); ``<worker>@<host>:<pid>`` by default.
    holder: str | None = None


@dataclass(frozen=True)
class CheckedOutJob:
    db_id: str
    uuid: str
    index: int
    name: str
    lock_id: str
    document: dict[str, Any]


class LeaseKeeper:
    """Renews a lease every ``ttl / 3`` seconds on its own connection until stopped."""

    def __init__(self, client: HubqlClient, lock_id: str, ttl: float) -> None:
        self._client = client
        self._lock_id = lock_id
        self._ttl = ttl
        self._stop = threading.Event()
        self.lost: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"lease-{lock_id[:8]}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._client.close()

    def _run(self) -> None:
        while not self._stop.wait(self._ttl / 3):
            try:
                self._client.execute(RENEW, {"lockId": self._lock_id, "ttl": self._ttl})
            except HubqlError as error:
                # NOT_FOUND: released, expired or broken. Keep running the job; completion tells what is left.
                self.lost = str(error)
                logger.error("lost the lease %s: %s", self._lock_id, error)
                return
            except TransportError as error:
                logger.warning("could not renew lease %s (will retry): %s", self._lock_id, error)


class Worker:
    """Checks jobs out of hubql and runs them with jobflow until stopped, idle or done."""

    def __init__(self, options: WorkerOptions) -> None:
        self.options = options
        self.holder = options.holder or f"{options.worker}@{socket.gethostname()}:{os.getpid()}"
        self.client = HubqlClient(options.url, options.token)
        self.jobs_run = 0
        self._stopping = False

    def stop(self) -> None:
        """Finish the current job, then return from ``run``."""
        self._stopping = True

    def run(self) -> int:
        """The checkout loop; returns the number of jobs run."""
        idle_since = time.monotonic()
        while not self._stopping:
            if self.options.max_jobs is not None and self.jobs_run >= self.options.max_jobs:
                break
            try:
                job = self.checkout()
            except TransportError as error:
                logger.warning("checkout failed, retrying: %s", error)
                time.sleep(self.options.poll_interval)
                continue
            except HubqlError as error:
                # Not transient: a bad token, a role that may not check out, a gateway without this API.
                logger.error("hubql refused checkoutJob: %s", error)
                raise
            if job is None:
                if self.options.idle_exit is not None and time.monotonic() - idle_since >= self.options.idle_exit:
                    logger.info("no READY job for %.1f s: stopping", self.options.idle_exit)
                    break
                time.sleep(self.options.poll_interval)
                continue
            self.process(job)
            self.jobs_run += 1
            idle_since = time.monotonic()
        self.client.close()
        return self.jobs_run

    def checkout(self) -> CheckedOutJob | None:
        data = self.client.execute(
            CHECKOUT,
            {
                "query": {"workers": [self.options.worker]},
                "flowUuid": self.options.flow_uuid,
                "holder": self.holder,
                "ttl": self.options.ttl,
            },
        )
        node = data.get("checkoutJob")
        if node is None:
            return None
        return CheckedOutJob(
            db_id=node["dbId"],
            uuid=node["uuid"],
            index=int(node["index"]),
            name=node["name"],
            lock_id=node["lockId"],
            document=json.loads(node["documentJson"]),
        )

    def process(self, job: CheckedOutJob) -> None:
        """Runs one checked-out job and completes it; never raises for the job's own errors."""
        run_dir = self.options.run_dir / f"{job.uuid}_{job.index}"
        logger.info("job %s (%s, %s index %d) checked out", job.db_id, job.name, job.uuid, job.index)
        try:
            self.client.execute(
                START, {"dbId": job.db_id, "lockId": job.lock_id, "runDir": str(run_dir), "processId": str(os.getpid())}
            )
        except HubqlError as error:
            # Stopped, rerun or deleted since checkout (or the lease was broken): not ours to run any more.
            logger.error("job %s cannot start: %s", job.db_id, error)
            self._release(job.lock_id)
            return
        interrupted: BaseException | None = None
        with LeaseKeeper(self.client.clone(), job.lock_id, self.options.ttl) as lease:
            try:
                response_value = self.execute(job, run_dir)
                variables: dict[str, Any] = {"success": True, "response": response_value}
            except BaseException as error:
                if not isinstance(error, Exception):
                    interrupted = error
                logger.warning("job %s failed: %s", job.db_id, error)
                variables = {"success": False, "error": traceback.format_exc()}
        if lease.lost:
            logger.warning("job %s finished after its lease was lost (%s); completing anyway", job.db_id, lease.lost)
        self.complete(job, variables)
        if interrupted is not None:
            raise interrupted

    def execute(self, job: CheckedOutJob, run_dir: Path) -> dict[str, Any]:
        """Resolves, runs and serializes one job: the ``completeJob(response:)`` value."""
        from jobflow.core.job import Job
        from monty.json import MontyDecoder
        from monty.os import cd

        outputs = load_closure(job.document, lambda uuids: fetch_outputs(self.client, uuids))
        store = build_store(outputs)
        runnable = MontyDecoder().process_decoded(job.document)
        if not isinstance(runnable, Job):
            raise TypeError(f"the document of job {job.db_id} is a {type(runnable).__name__}, not a jobflow Job")
        run_dir.mkdir(parents=True, exist_ok=True)
        with cd(str(run_dir)):
            response = runnable.run(store=store, job_dir=run_dir)
        # What Job.run stored, with additional-store data loaded back in: the value references resolve to.
        stored = store.query_one({"uuid": runnable.uuid, "index": runnable.index}, ["output"], load=True)
        output = None if stored is None else stored.get("output")
        return response_input(response, dumps(output))

    def complete(self, job: CheckedOutJob, variables: dict[str, Any]) -> None:
        """completeJob, retried while the gateway is unreachable; a refused response fails the job instead."""
        payload = {"dbId": job.db_id, "lockId": job.lock_id, **variables}
        for attempt in range(COMPLETION_ATTEMPTS):
            try:
                result = self.client.execute(COMPLETE, payload)["completeJob"]
                logger.info("job %s %s", job.db_id, result["state"])
                if result.get("lockId") == job.lock_id:
                    self._release(job.lock_id)
                return
            except TransportError as error:
                logger.warning("completing job %s failed (attempt %d): %s", job.db_id, attempt + 1, error)
                time.sleep(2**attempt)
            except HubqlError as error:
                if error.code == "BAD_USER_INPUT" and payload.get("success"):
                    # hubql refused the Response (e.g. a replace it cannot express): the job fails with the reason.
                    payload = {
                        "dbId": job.db_id,
                        "lockId": job.lock_id,
                        "success": False,
                        "error": f"hubql refused the job's response: {error}",
                    }
                    continue
                logger.error("job %s could not be completed: %s", job.db_id, error)
                self._release(job.lock_id)
                return
        logger.error("job %s: gave up completing after %d attempts", job.db_id, COMPLETION_ATTEMPTS)

    def _release(self, lock_id: str) -> None:
        try:
            self.client.execute(RELEASE, {"lockId": lock_id})
        except (HubqlError, TransportError) as error:
            logger.warning("could not release lease %s: %s", lock_id, error)


def parse_args(argv: Sequence[str] | None = None) -> WorkerOptions:
    parser = argparse.ArgumentParser(
        prog="python -m hubql_jobflow.worker", description="Run jobflow jobs checked out of a hubql gateway."
    )
    parser.add_argument("--url", required=True, help="the gateway, e.g. http://127.0.0.1:4000")
    parser.add_argument("--worker", required=True, help="the worker name whose jobs this process runs")
    parser.add_argument("--token", default=os.environ.get("HUBQL_TOKEN"), help="bearer token (default: $HUBQL_TOKEN)")
    parser.add_argument("--ttl", type=float, default=120.0, help="lease length in seconds (renewed every third)")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds between checkouts while idle")
    parser.add_argument("--run-dir", type=Path, default=Path.cwd(), help="jobs run in RUN_DIR/<uuid>_<index>")
    parser.add_argument("--flow", dest="flow_uuid", help="only run jobs of this flow")
    parser.add_argument("--max-jobs", type=int, help="stop after this many jobs")
    parser.add_argument("--idle-exit", type=float, help="stop after this many seconds without a READY job")
    parser.add_argument("--holder", help="lease holder name (default <worker>@<host>:<pid>)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.ttl <= 0 or args.poll_interval <= 0:
        parser.error("--ttl and --poll-interval must be positive")
    return WorkerOptions(
        url=args.url,
        worker=args.worker,
        token=args.token,
        ttl=args.ttl,
        poll_interval=args.poll_interval,
        run_dir=args.run_dir.resolve(),
        flow_uuid=args.flow_uuid,
        max_jobs=args.max_jobs,
        idle_exit=args.idle_exit,
        holder=args.holder,
    )


def main(argv: Sequence[str] | None = None) -> int:
    worker = Worker(parse_args(argv))

    def on_term(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %d: finishing the current job, then stopping", signum)
        worker.stop()

    signal.signal(signal.SIGTERM, on_term)
    try:
        count = worker.run()
    except KeyboardInterrupt:
        return 130
    except HubqlError:
        return 2
    logger.info("ran %d job(s)", count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
