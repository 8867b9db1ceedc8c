"""The same BaseDB calls, in the same order, on the Hub's SQLiteDB and on HubqlDB, and what each answered.

Unlike the cluster workload, nothing differs between the two runs here (same msg_ids, same instants), so every
answer is compared as it is. The records are crafted for what a live cluster cannot produce on demand: instants
less than a millisecond apart, equal instants (the Hub keeps insertion order), a record without `submitted`.

    python basedb_differential.py --url http://127.0.0.1:PORT/graphql --sqlite-dir DIR --out steps.json

Each step is {category, name, sqlite, hubql}; an answer is the value returned (JSON-encoded exactly: datetimes as
ISO text with offset and microseconds, bytes as base64) or
{"error": <exception class>, "message": …}.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from hubql_ipyparallel import HubqlDB
from ipyparallel.controller.sqlitedb import SQLiteDB

UTC = timezone.utc
T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
US = timedelta(microseconds=1)
MS = timedelta(milliseconds=1)
DATETIME_KEYS = ("submitted", "started", "completed", "received")


def encode(value: Any) -> Any:
    """Exact: the comparison must see microseconds, offsets, and bytes apart from str."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def record(msg_id: str, submitted: datetime | None, **fields: Any) -> dict[str, Any]:
    """A TaskRecord as the Hub's init_record builds one."""
    rec = {
        "msg_id": msg_id,
        "header": {"msg_id": msg_id, "msg_type": "apply_request", "session": "client-1", "date": submitted},
        "metadata": {"label": fields.pop("label", None), "timeout": 0.0},
        "content": {},
        "buffers": fields.pop("buffers", []),
        "submitted": submitted,
        "client_uuid": "client-1",
        "engine_uuid": None,
        "started": None,
        "completed": None,
        "resubmitted": None,
        "received": None,
        "result_header": None,
        "result_metadata": None,
        "result_content": None,
        "result_buffers": None,
        "queue": "task",
        "execute_input": None,
        "execute_result": None,
        "error": None,
        "stdout": "",
        "stderr": "",
        "label": None,
    }
    rec["label"] = rec["metadata"]["label"]
    rec.update(fields)
    return rec


def completion(engine: str, started: datetime, completed: datetime, **fields: Any) -> dict[str, Any]:
    """What the Hub's save_task_result writes."""
    result = {
        "result_header": {"msg_id": f"{engine}_1", "msg_type": "apply_reply", "date": completed},
        "result_metadata": {"engine": engine, "started": started.isoformat().replace("+00:00", "Z")},
        "result_content": {"status": "ok"},
        "started": started,
        "completed": completed,
        "received": completed + 250 * US,
        "engine_uuid": engine,
        "result_buffers": [b"result"],
    }
    result.update(fields)
    return result


class Differential:
    def __init__(self, sqlite: SQLiteDB, hubql: HubqlDB) -> None:
        self.backends = {"sqlite": sqlite, "hubql": hubql}
        self.steps: list[dict[str, Any]] = []

    def step(self, category: str, name: str, call: Callable[[Any], Any], shape: Callable[[Any], Any] = encode) -> None:
        entry: dict[str, Any] = {"category": category, "name": name}
        for backend, db in self.backends.items():
            try:
                entry[backend] = shape(call(db))
            except Exception as error:
                entry[backend] = {"error": type(error).__name__, "message": str(error)[:300]}
        self.steps.append(entry)


def values_only(records: Any) -> Any:
    """Records without instants, by msg_id (order is its own step); SQLiteDB's JSON-text columns parsed (that
    difference is its own step too)."""
    if isinstance(records, dict):
        records = [records]
    out = []
    for rec in records:
        rec = dict(rec)
        for key in DATETIME_KEYS:
            rec.pop(key, None)
        for key in ("execute_result", "error"):
            if isinstance(rec.get(key), str):
                rec[key] = json.loads(rec[key])
        out.append(encode(rec))
    return sorted(out, key=lambda rec: str(rec.get("msg_id")))


def instants_only(records: Any) -> Any:
    if isinstance(records, dict):
        records = [records]
    return [{k: encode(rec.get(k)) for k in ("msg_id", *DATETIME_KEYS) if k in rec} for rec in records]


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [rec["msg_id"] for rec in records]


def scenario(d: Differential) -> None:
    rng = random.Random(15)
    big = rng.randbytes(150_000)
    # r1 and r2 fall in the same millisecond; z9 and a0 share one instant and are added in reverse msg_id order;
    # n1 is an IOPub-first orphan (no submitted); r3's instant has no fraction (isoformat drops ".000000").
    adds = [
        record("r1", T0, buffers=[big, b"args"]),
        record("r2", T0 + 400 * US, label="second"),
        record("z9", T0 + 5 * MS),
        record("a0", T0 + 5 * MS),
        record("n1", None, stdout="orphan output\n", header=None, metadata=None, content=None, queue=None),
        record("r3", datetime(2026, 3, 1, 12, 0, 1, tzinfo=UTC)),
    ]
    for rec in adds:
        d.step("writes", f"add_record {rec['msg_id']}", lambda db, rec=rec: db.add_record(rec["msg_id"], dict(rec)))

    d.step(
        "writes",
        "complete r1",
        lambda db: db.update_record(
            "r1", completion("engine-1", T0 + 1 * MS + US, T0 + 2 * MS + 7 * US, result_buffers=[rng_bytes(120_000)])
        ),
    )
    d.step(
        "writes",
        "fail r2",
        lambda db: db.update_record(
            "r2",
            completion(
                "engine-2",
                T0 + 900 * US,
                T0 + 3 * MS,
                result_content={"status": "error", "ename": "ValueError"},
                error={"ename": "ValueError", "evalue": "boom", "traceback": ["line 1"]},
                execute_result={"data": {"text/plain": "1"}, "execution_count": 3},
            ),
        ),
    )
    d.step(
        "writes",
        "complete r3",
        lambda db: db.update_record(
            "r3", completion("engine-1", datetime(2026, 3, 1, 12, 0, 1, 5, tzinfo=UTC), T0 + 2 * timedelta(seconds=1))
        ),
    )
    d.step("writes", "append n1 stdout", lambda db: db.update_record("n1", {"stdout": "orphan output\nmore\n"}))
    d.step("writes", "resubmitted link", lambda db: db.update_record("r2", {"resubmitted": "r3"}))

    everyone = ["r1", "r2", "z9", "a0", "n1", "r3"]
    for msg_id in everyone:
        d.step("values", f"get_record {msg_id}", lambda db, m=msg_id: db.get_record(m), values_only)
        d.step("instants", f"get_record {msg_id}", lambda db, m=msg_id: db.get_record(m), instants_only)

    # Plain filters: the same records in the same (insertion) order.
    plain = {
        "queue=task": ({"queue": "task"}, ["queue"]),
        "client and label": ({"client_uuid": "client-1", "label": "second"}, ["label"]),
        "completed!=null": ({"completed": {"$ne": None}}, ["completed"]),
        "completed=null": ({"completed": None}, ["stdout"]),
        "engine in": ({"engine_uuid": {"$in": ["engine-2", "engine-1"]}}, ["engine_uuid"]),
        "buffers": ({"msg_id": "r1"}, ["buffers", "result_buffers"]),
        "all keys": ({"msg_id": "r2"}, None),
    }
    for name, (query, keys) in plain.items():
        d.step("find values", name, lambda db, q=query, k=keys: db.find_records(q, list(k) if k else k), values_only)
        d.step("find order", name, lambda db, q=query, k=keys: ids(db.find_records(q, list(k) if k else k)), encode)

    # Instants less than a millisecond apart, and operands a microsecond off a stored instant.
    timed = {
        "submitted = r1": {"submitted": T0},
        "submitted = r2": {"submitted": T0 + 400 * US},
        "submitted > r1": {"submitted": {"$gt": T0}},
        "submitted >= r1+1µs": {"submitted": {"$gte": T0 + US}},
        "submitted < r2": {"submitted": {"$lt": T0 + 400 * US}},
        "submitted <= r2-1µs": {"submitted": {"$lte": T0 + 399 * US}},
        "submitted in [r2]": {"submitted": {"$in": [T0 + 400 * US]}},
        "started > r2": {"started": {"$gt": T0 + 900 * US}},
        "completed < r1+1µs": {"completed": {"$lt": T0 + 2 * MS + 8 * US}},
        "received = r1": {"received": T0 + 2 * MS + 257 * US},
    }
    for name, query in timed.items():
        d.step("instant filters", name, lambda db, q=query: ids(db.find_records(q, ["submitted"])), encode)

    # The Hub's order for equal submitted instants: insertion (z9 was added before a0). n1 has no submitted.
    d.step(
        "tie order", "find submitted = z9/a0", lambda db: ids(db.find_records({"submitted": T0 + 5 * MS}, ["queue"]))
    )
    d.step("tie order", "get_history without n1", lambda db: [m for m in db.get_history() if m != "n1"])
    d.step("history n1", "get_history", lambda db: db.get_history())

    # Refused by both (the Hub's reply carries the exception's name).
    d.step("errors", "unknown key", lambda db: db.find_records({"queue": "task"}, ["bogus"]), error_name)
    d.step("errors", "unknown field", lambda db: db.find_records({"bogus": 1}), error_name)
    d.step("errors", "unknown operator", lambda db: db.find_records({"queue": {"$foo": 1}}), error_name)
    d.step("errors", "update unknown key", lambda db: db.update_record("r1", {"display_data": {}}), error_name)
    d.step("errors", "duplicate add", lambda db: db.add_record("r1", record("r1", T0)), error_name)
    d.step("errors", "get_record missing", lambda db: db.get_record("missing"), error_name)

    # Documented differences (README of the package): each asserted explicitly by the test.
    d.step("difference", "text JSON columns", lambda db: db.get_record("r2"), text_json_types)
    d.step("difference", "update unknown id", lambda db: db.update_record("missing", {"stdout": "x"}))
    d.step("difference", "empty filter", lambda db: ids(db.find_records({}, ["queue"])))
    d.step(
        "difference",
        "keys=[]",
        lambda db: db.find_records({"msg_id": "r1"}, []),
        lambda recs: [sorted(r) for r in recs],
    )
    d.step("difference", "$ne on nulls", lambda db: ids(db.find_records({"label": {"$ne": "second"}}, ["label"])))
    d.step(
        "difference", "$in with null", lambda db: ids(db.find_records({"label": {"$in": [None, "second"]}}, ["label"]))
    )
    d.step("difference", "$in []", lambda db: ids(db.find_records({"msg_id": {"$in": []}}, ["label"])))
    d.step(
        "difference",
        "float in JSON",
        lambda db: db.get_record("r1")["metadata"]["timeout"],
        lambda v: [type(v).__name__, v],
    )
    d.step("difference", "empty buffers", lambda db: db.get_record("r3")["buffers"])
    offset = timezone(timedelta(hours=2))
    d.step(
        "difference",
        "offset instants",
        lambda db: (
            db.add_record("o1", record("o1", datetime(2026, 3, 1, 14, 0, 2, tzinfo=offset))),
            ids(db.find_records({"submitted": {"$lt": datetime(2026, 3, 1, 13, 0, tzinfo=UTC)}}, ["queue"])),
            db.get_record("o1")["submitted"].isoformat(),
            db.drop_record("o1"),
        )[1:3],
    )

    # Purging: pending records go too (the Hub has refused pending ids before it calls the database).
    d.step("purge", "drop pending z9", lambda db: db.drop_matching_records({"msg_id": {"$in": ["z9"]}}))
    d.step("purge", "drop_record a0", lambda db: db.drop_record("a0"))
    d.step("purge", "drop_record missing", lambda db: db.drop_record("missing"))
    d.step("purge", "drop completed", lambda db: db.drop_matching_records({"completed": {"$ne": None}}))
    d.step("purge", "left", lambda db: sorted(ids(db.find_records({"msg_id": {"$ne": ""}}, ["queue"]))))


def rng_bytes(n: int) -> bytes:
    return random.Random(n).randbytes(n)


def error_name(_: Any) -> Any:
    return {"error": None}


def text_json_types(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        key: [type(rec[key]).__name__, json.loads(rec[key]) if isinstance(rec[key], str) else rec[key]]
        for key in ("error", "execute_result")
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--sqlite-dir", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    sqlite = SQLiteDB(location=args.sqlite_dir)
    hubql = HubqlDB(url=args.url)
    d = Differential(sqlite, hubql)
    scenario(d)
    with open(args.out, "w") as out:
        json.dump(d.steps, out, indent=1)
    sqlite.close()
    hubql.close()


if __name__ == "__main__":
    main()
