"""A live Hub's SQLiteDB file against what `import-ipython` made of it, read back through HubqlDB.

    python import_compare.py --sqlite-dir PROFILE_DIR --url http://127.0.0.1:PORT/graphql --out steps.json

The same `find_records` calls on SQLiteDB (the Hub's own reader of the file) and on HubqlDB (a hubql serving the
imported store); each step is {category, name, sqlite, hubql} as in basedb_differential.py, values encoded
exactly (datetimes as ISO text with offset and microseconds, bytes as base64). SQLiteDB's JSON-text columns
(`execute_result`, `error`) are parsed, the one documented difference of values.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from basedb_differential import Differential, encode
from hubql_ipyparallel import HubqlDB
from ipyparallel.controller.sqlitedb import SQLiteDB

TEXT_JSON_KEYS = ("execute_result", "error")


class HubTable(SQLiteDB):  # type: ignore[misc]
    """SQLiteDB on the Hub's own table. 9.1's check of an existing table compares declared type names, which SQLite
    ≥ 3.40 reports differently, so a second SQLiteDB on the file would open (and create) `ipython-tasks_1`."""

    def _check_table(self) -> bool:
        return True


def exact(records: list[dict[str, Any]]) -> Any:
    out = []
    for record in records:
        record = dict(record)
        for key in TEXT_JSON_KEYS:
            if isinstance(record.get(key), str):
                record[key] = json.loads(record[key])
        out.append(encode(record))
    return out


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["msg_id"] for record in records]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite-dir", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    sqlite = HubTable(location=args.sqlite_dir)
    d = Differential(sqlite, HubqlDB(url=args.url))

    def step(name: str, call: Any) -> None:
        d.step("import", name, call, shape=lambda answer: answer)

    everything = {"msg_id": {"$ne": ""}}
    step("every record, every key, in order", lambda db: exact(db.find_records(everything)))
    step("pending", lambda db: ids(db.find_records({"completed": None}, ["completed"])))
    step("resubmitted", lambda db: exact(db.find_records({"resubmitted": {"$ne": None}}, ["resubmitted"])))
    records = sqlite.find_records(everything, ["submitted", "completed", "received"])
    for record in records:
        for key in ("submitted", "completed", "received"):
            if record[key] is not None:
                at = record[key]
                for name, operand in ((f"{key} =", at), (f"{key} >", {"$gt": at})):
                    step(f"{name} {record['msg_id']}", lambda db, k=key, o=operand: ids(db.find_records({k: o}, [k])))
    with open(args.out, "w") as out:
        json.dump(d.steps, out, indent=1)
    for db in d.backends.values():
        db.close()


if __name__ == "__main__":
    main()
