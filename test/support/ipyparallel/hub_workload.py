"""One ipyparallel workload against a running cluster, and what the Hub's task database then answers.

Run once against a controller on SQLiteDB and once against a controller on HubqlDB; the test compares the two JSON
reports. Values that cannot be equal across two runs (msg_ids, engine and client uuids, instants) are normalised
to labels ("a1", "E0", "A", "<datetime>"); the instants are checked inside each run instead, exactly, against what
the clients and engines themselves recorded.

The workload is serialised (each task is waited for before the next is submitted), so both Hubs insert records in
the same order and place load-balanced tasks on the same engines.

    python hub_workload.py --profile-dir DIR --work-dir DIR --out report.json [--outage] [--import-pauses]

With --outage the run stops after snapshot S2 for a hubql restart, talking with the test over stdio: it prints
"@@ outage-ready", waits for a line on stdin (hubql is down), submits tasks, prints "@@ outage-submitted", waits
for another line (hubql is back), then carries on. Without it the same tasks run without a pause.

With --import-pauses (a SQLiteDB controller) it stops after snapshots S1 (p1 pending) and S2 (p1 done, tasks
resubmitted) so the test can import the Hub's task file meanwhile: it prints "@@ import-ready <snapshot>" and
waits for a line on stdin.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import operator
import os
import random
import re
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import ipyparallel as ipp
from dateutil.parser import parse as parse_datetime

SETTLE_TIMEOUT = 60.0
ONE_MICROSECOND = timedelta(microseconds=1)

#: The operators of the datetime queries, as the Hub compares a stored instant with a query's.
DATETIME_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$in": lambda value, ats: value in ats,
}


# -- tasks (they run on the engines) ----------------------------------------------------------------------------


def echo(x):
    print(f"hello {x}", flush=True)
    return x * 2


def fail(tag):
    raise ValueError(f"boom {tag}")


def blob(payload, size, seed):
    import hashlib
    import random

    return hashlib.sha256(payload).hexdigest(), random.Random(seed).randbytes(size)


def warn(message):
    import sys

    print(message, file=sys.stderr, flush=True)
    return len(message)


def wait_for(name, timeout):
    import os
    import time

    # The directory comes from the engine's environment, so both runs send the same arguments (and buffers).
    path = os.path.join(os.environ["HUBQL_WORKLOAD_DIR"], name)
    print("waiting", flush=True)
    deadline = time.time() + timeout
    while not os.path.exists(path):
        if time.time() > deadline:
            raise TimeoutError(path)
        time.sleep(0.02)
    return "released"


# -- helpers ----------------------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[workload {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def wait_until(what: str, check: Callable[[], bool], timeout: float = SETTLE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return parse_datetime(value)


def instant(value: Any) -> datetime:
    """A value that must be an instant (the Hub always sets it here)."""
    parsed = as_datetime(value)
    if parsed is None:
        raise ValueError("missing instant")
    return parsed


def iso(value: Any) -> str | None:
    value = as_datetime(value)
    return None if value is None else value.isoformat()


class Names:
    """Raw ids → stable labels, and the normaliser that applies them anywhere in a value."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}

    def add(self, raw: str, label: str) -> None:
        self.labels[raw] = label

    def raw(self, label: str) -> str:
        for raw, known in self.labels.items():
            if known == label:
                return raw
        raise KeyError(label)

    def label(self, raw: str) -> str:
        return self.labels.get(raw, f"?{raw}")

    def text(self, value: str) -> str:
        if value in self.labels:
            return self.labels[value]
        if _ISO.match(value):
            return "<datetime>"
        for raw, label in self.labels.items():
            if raw in value:
                value = value.replace(raw, label)
        # Engine reply ids: "<engine uuid>_<pid>_<counter>" → "E0_<pid>_<n>".
        return re.sub(r"^(E\d)_\d+_\d+$", r"\1_<pid>_<n>", value)

    def value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        if isinstance(value, datetime):
            return "<datetime>"
        if isinstance(value, (bytes, bytearray, memoryview)):
            data = bytes(value)
            return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        if isinstance(value, str):
            return self.text(value)
        return value


#: What each task sends on IOPub (by workload label; a resubmission sends what its original did).
EXPECTED_IOPUB: dict[str, dict[str, Any]] = {
    "a1": {"stdout": "hello 1\n"},
    "b1": {"stdout": "42\n", "execute_input": True, "execute_result": True},
    "a2": {"error": True},
    "b3": {"stderr": "to stderr from b3\n"},
    "a4": {"stdout": "hello 4\n"},
    "p1": {"stdout": "waiting\n"},
    "b4": {"stdout": "hello 5\n"},
    "o1": {"stdout": "hello 11\n"},
    "o2": {"stderr": "to stderr from o2\n"},
    "o3": {"stdout": "hello 13\n"},
}
IOPUB_KEYS = ("stdout", "stderr", "execute_input", "execute_result", "error")
IOPUB_NONE: dict[str, Any] = {
    "stdout": "",
    "stderr": "",
    "execute_input": False,
    "execute_result": False,
    "error": False,
}

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$")
#: SQLiteDB declares these two columns as plain text, so it returns them as JSON text (README: differences).
TEXT_JSON_KEYS = ("execute_result", "error")


class Workload:
    def __init__(self, profile_dir: str, work_dir: str) -> None:
        self.work_dir = work_dir
        self.profile_dir = profile_dir
        self.names = Names()
        self.a = ipp.Client(profile_dir=profile_dir)
        self.b = ipp.Client(profile_dir=profile_dir)
        self.a.wait_for_engines(2, timeout=120)
        self.b.wait_for_engines(2, timeout=120)
        self.names.add(self.a.session.session, "A")
        self.names.add(self.b.session.session, "B")
        for eid, uuid in self.a._engines.items():
            self.names.add(uuid, f"E{eid}")
        self.tasks: dict[str, Any] = {}  # label → AsyncResult
        self.report: dict[str, Any] = {"snapshots": {}, "checks": {}, "ids": {}}
        self.purged: set[str] = set()

    # -- submitting -------------------------------------------------------------------------------------------

    def submit(self, label: str, send: Callable[[], Any], *, wait: bool = True, hub: bool = True) -> Any:
        ar = send()
        (msg_id,) = ar.msg_ids
        self.names.add(msg_id, label)
        self.tasks[label] = ar
        if hub:
            # The Hub has the request before the next one leaves: both Hubs insert in the same order.
            wait_until(f"the Hub to record {label}", lambda: bool(self.a.db_query({"msg_id": msg_id}, keys=["queue"])))
        if wait:
            ar.wait(60)
            if not ar.ready():
                raise TimeoutError(f"task {label} did not finish")
        return ar

    def resubmit(self, client: Any, labels: list[str]) -> list[str]:
        raws = [self.names.raw(label) for label in labels]
        hub_ar = client.resubmit(raws)
        new_labels = []
        for label, new_id in zip(labels, hub_ar.msg_ids, strict=True):
            new_label = f"r:{label}"
            self.names.add(new_id, new_label)
            new_labels.append(new_label)
        try:
            hub_ar.wait(60)
        except ipp.error.RemoteError:
            pass  # a resubmitted failure fails again
        if not hub_ar.ready():
            raise TimeoutError(f"resubmissions of {labels} did not finish")
        self.tasks.update(dict.fromkeys(new_labels, hub_ar))
        return new_labels

    def run_first_batch(self) -> None:
        a, b = self.a, self.b
        rng = random.Random(15)
        payload_100k = rng.randbytes(100_000)
        payload_200k = rng.randbytes(200_000)
        lb_a = a.load_balanced_view()
        lb_b = b.load_balanced_view()
        self.submit("a1", lambda: a[0].apply_async(echo, 1))
        self.submit("b1", lambda: b[1].execute("x = 6 * 7\nprint(x)\nx", silent=False))
        self.submit("a2", lambda: lb_a.apply_async(fail, "a2"))
        self.submit("b2", lambda: lb_b.apply_async(blob, payload_100k, 150_000, 2))
        self.submit("a3", lambda: a[1].apply_async(blob, payload_200k, 120_000, 3))
        self.submit("b3", lambda: b[0].apply_async(warn, "to stderr from b3"))
        with lb_a.temp_flags(label="tagged"):
            self.submit("a4", lambda: lb_a.apply_async(echo, 4))
        pinned = a.load_balanced_view(targets=[1])
        self.submit("p1", lambda: pinned.apply_async(wait_for, "release-p1", 120), wait=False)
        self.submit("b4", lambda: lb_b.apply_async(echo, 5))
        self.submit("a5", lambda: a[0].execute("y = 1", silent=True))

    # -- reading the Hub's database ----------------------------------------------------------------------------

    def settle(self, incomplete: set[str]) -> None:
        """Waits until the Hub has stored everything the tasks sent so far: exactly `incomplete` lacks `completed`,
        every resubmission has its queue (set when the scheduler's copy arrives), and every IOPub output is in
        (it travels on another socket than the reply, so it may be stored after the reply)."""

        def differences() -> list[str]:
            records = self.a.db_query({"msg_id": {"$ne": ""}}, keys=["completed", "queue", *IOPUB_KEYS])
            by_label = {self.names.label(r["msg_id"]): r for r in records}
            missing = sorted(set(self.tasks) - self.purged - set(by_label))
            pending = sorted(label for label, r in by_label.items() if r["completed"] is None)
            out = [f"missing {missing}"] if missing else []
            if pending != sorted(incomplete):
                out.append(f"pending {pending}")
            for label, r in by_label.items():
                if not r["queue"]:
                    out.append(f"{label}: no queue")
                expected = {**IOPUB_NONE, **EXPECTED_IOPUB.get(label.split(":")[-1], {})}
                for key, want in expected.items():
                    got = r[key] if isinstance(want, str) else bool(r[key])
                    if got != want and not (label in incomplete and key != "stdout"):
                        out.append(f"{label}.{key}: {got!r}")
            return out

        last: list[str] = []

        def settled() -> bool:
            nonlocal last
            last = differences()
            return not last

        try:
            wait_until(f"the Hub to store every reply (pending: {sorted(incomplete)})", settled)
        except TimeoutError as error:
            raise TimeoutError(f"{error}: {last}") from None

    def query(self, query: dict[str, Any], keys: list[str] | None = None) -> dict[str, Any]:
        """One db_query, normalised: the labels in the order returned, the records, or the error's name."""
        try:
            records = self.a.db_query(query, keys=list(keys) if keys is not None else None)
        except Exception as error:  # RemoteError from the Hub
            return {"error": getattr(error, "ename", type(error).__name__)}
        order = [self.names.label(r["msg_id"]) if "msg_id" in r else None for r in records]
        return {"order": order, "records": [self.normalise_record(r) for r in records]}

    def normalise_record(self, record: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in record.items():
            if key in TEXT_JSON_KEYS and isinstance(value, str):
                value = json.loads(value)
            out[key] = self.names.value(value)
        return out

    def text_json_types(self, records: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
        return {
            self.names.label(r["msg_id"]): {key: type(r[key]).__name__ for key in TEXT_JSON_KEYS if r[key] is not None}
            for r in records
            if any(r[key] is not None for key in TEXT_JSON_KEYS)
        }

    def snapshot(self, name: str) -> None:
        log(f"snapshot {name}")
        raw = self.a.db_query({"msg_id": {"$ne": ""}})
        snap: dict[str, Any] = {
            "all": self.query({"msg_id": {"$ne": ""}}),
            "buffers": self.query({"msg_id": {"$ne": ""}}, keys=["buffers", "result_buffers"]),
            "textJsonTypes": self.text_json_types(raw),
            "history": [self.names.label(m) for m in self.a.hub_history()],
            "plain": {key: self.query(q, k) for key, (q, k) in self.plain_queries().items()},
            "datetime": {key: self.query(q, k) for key, (q, k) in self.datetime_queries(raw).items()},
            "datetimeExpected": {key: self.matching(q, raw) for key, (q, _) in self.datetime_queries(raw).items()},
            "errors": {key: self.query(q, k) for key, (q, k) in self.error_queries().items()},
            "differences": {key: self.query(q, k) for key, (q, k) in self.difference_queries().items()},
            "instants": self.instants(raw),
        }
        self.report["snapshots"][name] = snap

    def plain_queries(self) -> dict[str, tuple[dict[str, Any], list[str] | None]]:
        """Queries whose meaning is the same on SQLiteDB and hubql (no null-sensitive operators, no datetimes)."""
        n = self.names
        raw = n.raw
        queries: dict[str, tuple[dict[str, Any], list[str] | None]] = {
            "queue=mux": ({"queue": "mux"}, None),
            "queue=task": ({"queue": "task"}, ["queue", "engine_uuid"]),
            "client=A": ({"client_uuid": raw("A")}, ["client_uuid", "label"]),
            "client=B,queue=task": ({"client_uuid": raw("B"), "queue": "task"}, ["engine_uuid"]),
            "engine=E0": ({"engine_uuid": raw("E0")}, ["engine_uuid", "queue"]),
            "engine in [E1,E0]": ({"engine_uuid": {"$in": [raw("E1"), raw("E0")]}}, ["engine_uuid"]),
            "completed=null": ({"completed": None}, ["stdout", "completed", "result_buffers"]),
            "completed!=null": ({"completed": {"$ne": None}}, ["completed"]),
            "resubmitted!=null": ({"resubmitted": {"$ne": None}}, ["resubmitted"]),
            "label=tagged": ({"label": "tagged"}, ["label", "metadata"]),
            "stdout glob": ({"stdout": {"$glob": "*hello*"}}, ["stdout"]),
            "execute_input glob": ({"execute_input": {"$glob": "x = *"}}, ["execute_input", "execute_result"]),
            "queue in": ({"queue": {"$in": ["mux", "task"]}}, ["queue"]),
            "queue nin": ({"queue": {"$nin": ["mux"]}}, ["queue"]),
            "stderr!=''": ({"stderr": {"$ne": ""}}, ["stderr"]),
            "engine glob": ({"engine_uuid": {"$glob": "*-*"}}, ["engine_uuid"]),
            "A and completed": ({"client_uuid": raw("A"), "completed": {"$ne": None}}, ["result_content"]),
            "a2 error": ({"msg_id": raw("a2")}, ["result_content", "error", "result_metadata"]),
            "b2 buffers": ({"msg_id": raw("b2")}, ["buffers", "result_buffers"]),
            "b1 execute": ({"msg_id": raw("b1")}, ["execute_input", "execute_result", "stdout", "header"]),
        }
        for label in ("a1", "r:a1", "r:r:a1"):
            if label in n.labels.values():
                queries[f"resubmitted={label}"] = ({"resubmitted": raw(label)}, ["resubmitted"])
        return queries

    def datetime_queries(self, raw_records: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], list[str]]]:
        """Filters on the Hub's own instants (µs), anchored on values this run's records carry in their headers."""
        by_label = {self.names.label(r["msg_id"]): r for r in raw_records}
        queries: dict[str, tuple[dict[str, Any], list[str]]] = {}
        keys = ["submitted"]
        for label in ("a1", "b2", "p1", "b4"):
            record = by_label.get(label)
            if record is None:
                continue
            anchors = [("submitted", instant(record["header"]["date"]))]
            if record["result_header"]:
                anchors.append(("completed", instant(record["result_header"]["date"])))
                anchors.append(("started", instant(record["result_metadata"]["started"])))
            for key, t in anchors:
                # One microsecond either side of a stored instant falls on the other side of it.
                for shift, name in ((-ONE_MICROSECOND, "-1µs"), (timedelta(0), ""), (ONE_MICROSECOND, "+1µs")):
                    at = t + shift
                    queries[f"{key} = {label}{name}"] = ({key: at}, [key])
                    for op in ("$lt", "$lte", "$gt", "$gte"):
                        queries[f"{key} {op} {label}{name}"] = ({key: {op: at}}, [key])
            queries[f"submitted in [{label}]"] = ({"submitted": {"$in": [anchors[0][1]]}}, keys)
        if "a1" in by_label and "b4" in by_label:
            lo = as_datetime(by_label["a1"]["header"]["date"])
            hi = as_datetime(by_label["b4"]["header"]["date"])
            queries["a1 <= submitted < b4"] = ({"submitted": {"$gte": lo, "$lt": hi}}, keys)
        return queries

    def matching(self, query: dict[str, Any], raw_records: list[dict[str, Any]]) -> list[str]:
        """The labels a datetime query must match among this run's own records (sorted), by the Hub's comparison
        semantics: a missing instant matches nothing. Each cluster schedules its tasks itself (whether p1 started
        before b4 is the cluster's affair), so each backend's answers are checked against its own records; the
        test checks that SQLiteDB agrees with this too, and compares the two backends' answers where their records
        order alike."""

        def holds(value: Any, condition: Any) -> bool:
            value = as_datetime(value)
            if value is None:
                return False
            if not isinstance(condition, dict):
                return value == condition
            return all(DATETIME_OPERATORS[op](value, at) for op, at in condition.items())

        return sorted(
            self.names.label(r["msg_id"])
            for r in raw_records
            if all(holds(r.get(key), condition) for key, condition in query.items())
        )

    def error_queries(self) -> dict[str, tuple[dict[str, Any], list[str] | None]]:
        """Refused by both backends (the Hub's reply names the same exception)."""
        return {
            "unknown key": ({"queue": "mux"}, ["bogus"]),
            "unknown field": ({"bogus": 1}, None),
            "unknown operator": ({"queue": {"$foo": 1}}, None),
        }

    def difference_queries(self) -> dict[str, tuple[dict[str, Any], list[str] | None]]:
        """Where hubql deliberately answers otherwise (README of the package: differences from SQLiteDB)."""
        raw = self.names.raw
        return {
            "empty filter": ({}, ["queue"]),
            "keys=[]": ({"queue": "mux"}, []),
            "label $ne (nulls)": ({"label": {"$ne": "tagged"}}, ["label"]),
            "label $nin (nulls)": ({"label": {"$nin": ["tagged"]}}, ["label"]),
            "label $in with null": ({"label": {"$in": [None, "tagged"]}}, ["label"]),
            "msg_id $in []": ({"msg_id": {"$in": []}}, ["queue"]),
            "dotted path": ({"result_content.status": "error"}, ["queue"]),
            "$regex": ({"queue": {"$regex": "^m"}}, ["queue"]),
            "$le alias": ({"client_uuid": raw("A"), "queue": {"$le": "task"}}, ["queue"]),
        }

    def instants(self, raw_records: list[dict[str, Any]]) -> dict[str, Any]:
        """Each stored instant against the value it was copied from, exactly (µs): submitted = header.date,
        completed = result_header.date, started = result_metadata.started, and the submitting client's own view."""
        client_times = self.client_view()
        mismatches = []
        received_micros = []
        for r in raw_records:
            label = self.names.label(r["msg_id"])
            pairs = [("submitted", r["submitted"], r["header"]["date"] if r["header"] else None)]
            if r["result_header"]:
                pairs.append(("completed", r["completed"], r["result_header"]["date"]))
                pairs.append(("started", r["started"], r["result_metadata"].get("started")))
            mine = client_times.get(label)
            if mine:
                for key in ("submitted", "started", "completed"):
                    if mine.get(key) is not None:
                        pairs.append((f"{key} (client)", r[key], mine[key]))
            for key, stored, source in pairs:
                if iso(stored) != iso(source) or as_datetime(stored) != as_datetime(source):
                    mismatches.append({"task": label, "key": key, "stored": iso(stored), "expected": iso(source)})
            if r["received"] is not None:
                received_micros.append(instant(r["received"]).microsecond)
        return {
            "mismatches": mismatches,
            "compared": len(raw_records),
            "receivedWithMicros": sum(1 for us in received_micros if us % 1000 != 0),
            "received": len(received_micros),
        }

    def client_view(self) -> dict[str, dict[str, str | None]]:
        """The instants the submitting clients hold for their own finished tasks (from the request they sent and the
        reply they got), to check the stored ones against. Resubmissions are left out: their clients learn them
        from the Hub's database."""
        times = {}
        for label, ar in self.tasks.items():
            if isinstance(ar, ipp.AsyncHubResult) or not ar.ready():
                continue
            md = ar.metadata
            times[label] = {k: iso(md.get(k)) for k in ("submitted", "started", "completed")}
        return times

    # -- the Hub operations -------------------------------------------------------------------------------------

    def results(self, name: str, labels: list[str]) -> None:
        """get_result from a fresh client, which has nothing cached: the Hub answers from its database."""
        out = {}
        fresh = ipp.Client(profile_dir=self.profile_dir)
        for label in labels:
            try:
                ar = fresh.get_result(self.names.raw(label), owner=False)
                ar.wait(30)
                value = ar.get(0)
                entry: dict[str, Any] = {"type": type(ar).__name__, "value": self.names.value(_plain(value))}
                try:
                    entry["repr"] = repr(value)
                except Exception as error:
                    entry["repr"] = {"error": type(error).__name__}
                md = {k: ar.metadata[k] for k in ("stdout", "stderr", "status", "engine_uuid") if k in ar.metadata}
                entry["metadata"] = self.names.value(md)
            except Exception as error:
                entry = {"error": getattr(error, "ename", type(error).__name__)}
            out[label] = entry
        fresh.close()
        self.report["checks"][name] = out

    def purge(self, name: str, **kwargs: Any) -> None:
        args = {
            k: ([self.names.raw(x) for x in v] if k == "jobs" and isinstance(v, list) else v) for k, v in kwargs.items()
        }
        try:
            self.a.purge_hub_results(**args)
            outcome: dict[str, Any] = {"ok": True}
        except Exception as error:
            outcome = {"error": getattr(error, "ename", type(error).__name__)}
        self.report["checks"][name] = outcome


def _plain(value: Any) -> Any:
    """An AsyncResult value as JSON-able data (ExecuteReply → its dict form)."""
    if hasattr(value, "metadata") and hasattr(value, "execution_count"):
        return {"execution_count": value.execution_count, "data": value.data}
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--outage", action="store_true")
    parser.add_argument("--import-pauses", action="store_true")
    args = parser.parse_args()

    def import_pause(snapshot: str) -> None:
        if args.import_pauses:
            print(f"@@ import-ready {snapshot}", flush=True)
            sys.stdin.readline()


    w = Workload(args.profile_dir, args.work_dir)
    log("engines ready; first batch")
    w.run_first_batch()
    w.settle({"p1"})
    w.snapshot("S1 pending")
    import_pause("S1 pending")
    w.purge("purge pending p1", jobs=["p1"])

    log("releasing p1")
    with open(os.path.join(args.work_dir, "release-p1"), "w") as flag:
        flag.write("go")
    w.tasks["p1"].wait(60)
    # One id per call: for several, the Hub resubmits in find_records order, which SQLiteDB gives by msg_id text
    # (its primary-key index), an order two runs do not share.
    w.resubmit(w.a, ["a2"])
    w.resubmit(w.a, ["a1"])
    w.resubmit(w.b, ["b2"])
    w.resubmit(w.a, ["r:a1"])
    w.settle(set())
    w.snapshot("S2 complete")
    import_pause("S2 complete")
    w.results("get_result S2", ["a1", "a2", "a3", "b1", "b2", "r:a1", "r:a2", "r:r:a1", "p1"])

    if args.outage:
        w.report["outage"] = {"before": w.query({"msg_id": {"$ne": ""}})}
        print("@@ outage-ready", flush=True)
        sys.stdin.readline()
    # While hubql is down the Hub cannot answer db_query, so these are only waited for on the client side. All
    # go through the MUX scheduler, one after the other: both Hubs then insert them in the same order.
    for label, send in (
        ("o1", lambda: w.a[0].apply_async(echo, 11)),
        ("o2", lambda: w.a[0].apply_async(warn, "to stderr from o2")),
        ("o3", lambda: w.b[0].apply_async(echo, 13)),
    ):
        w.submit(label, send, hub=False)
    if args.outage:
        print("@@ outage-submitted", flush=True)
        sys.stdin.readline()
    w.settle(set())
    w.snapshot("S3 after outage tasks")

    w.purge("purge a1", jobs=["a1"])
    w.purged.add("a1")
    w.settle(set())
    w.results("get_result purged", ["a1"])
    w.snapshot("S4 after purging a1")
    w.purge("purge engine 1", targets=[1])
    w.report["afterEnginePurge"] = w.query({"msg_id": {"$ne": ""}}, ["engine_uuid"])
    w.purge("purge all", jobs="all")
    w.report["afterPurgeAll"] = w.query({"msg_id": {"$ne": ""}}, ["completed"])
    w.report["ids"] = {label: raw for raw, label in w.names.labels.items()}

    with open(args.out, "w") as out:
        json.dump(w.report, out, indent=1, sort_keys=True)
    log("done")
    w.a.close()
    w.b.close()


if __name__ == "__main__":
    main()
