"""``HubqlDB``: the ipyparallel Hub's task database, kept in hubql over its GraphQL API."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ipyparallel.controller.dictdb import BaseDB
from traitlets import Float, Unicode

from .codec import (
    RECORD_SELECTION,
    TASK_RECORD_KEYS,
    decode_record,
    encode_fields,
    encode_query,
)
from .transport import GraphQLClient, HubqlError, HubqlUnavailable

ADD = "mutation HubqlDBAdd($records: [TaskRecordInput!]!) { addTaskRecords(records: $records) { msgId } }"
GET = f"query HubqlDBGet($msgId: ID!) {{ taskRecord(msgId: $msgId) {{ {RECORD_SELECTION} }} }}"
UPDATE = (
    "mutation HubqlDBUpdate($msgId: ID!, $patch: TaskRecordPatch!)"
    " { updateTaskRecord(msgId: $msgId, patch: $patch) { msgId } }"
)
PURGE_IDS = "mutation HubqlDBDrop($msgIds: [ID!]!) { purgeTaskRecords(msgIds: $msgIds, force: true) { count } }"
PURGE_FILTER = (
    "mutation HubqlDBDropMatching($filter: Filter!) { purgeTaskRecords(filter: $filter, force: true) { count } }"
)
FIND = "query HubqlDBFind($query: Filter!, $keys: [String!]) { dbQuery(query: $query, keys: $keys) }"
HISTORY = "query HubqlDBHistory { taskHistory }"
PING = "query HubqlDBPing { __typename }"

_KNOWN = frozenset(TASK_RECORD_KEYS)

#: hubql's reasons for refusals that SQLiteDB/DictDB raise as KeyError: an unknown field, operator or key, and a
#: msg_id already stored.
KEY_ERROR_REASONS = frozenset({"UNKNOWN_FIELD", "UNKNOWN_OPERATOR", "UNKNOWN_KEY", "DUPLICATE_ID"})


class RecordUnavailable(KeyError):
    """``get_record`` could not reach hubql.

    A ``KeyError`` on purpose: the Hub's request handlers read a record with ``get_record`` and, on ``KeyError``,
    add it instead and carry on with their in-memory bookkeeping (``pending``, queues). Any other exception escapes
    them before that bookkeeping and leaves the Hub unaware of the task. The ``add_record`` that follows fails as
    well (hubql is down) and the Hub logs it.
    """


class HubqlDB(BaseDB):  # type: ignore[misc]  # ipyparallel ships no type information
    """Task records in hubql, written synchronously: a call returns once hubql has stored (or answered) it.

    ``ipcontroller --IPController.db_class=hubql_ipyparallel.HubqlDB --HubqlDB.url=http://127.0.0.1:4000/graphql``
    """

    url = Unicode(
        "http://127.0.0.1:4000/graphql",
        config=True,
        help="hubql's GraphQL endpoint.",
    )
    token = Unicode(
        "",
        config=True,
        help="""Bearer token for hubql (role admin: purge_results needs it; operator suffices otherwise).
        Empty: the HUBQL_TOKEN environment variable, which keeps the token out of the process list.""",
    )
    request_timeout = Float(
        30.0,
        config=True,
        help="Seconds one HTTP request to hubql may take before it counts as failed (and is retried).",
    )
    retry_timeout = Float(
        30.0,
        config=True,
        help="""Seconds one call keeps retrying while hubql is unreachable (the Hub waits meanwhile).
        After that the call fails and is logged, and later calls fail at once until hubql answers again.""",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = GraphQLClient(
            self.url,
            token=self.token or os.environ.get("HUBQL_TOKEN", ""),
            request_timeout=self.request_timeout,
            retry_timeout=self.retry_timeout,
            log=self.log,
        )
        # Fail at start-up, not at the first task, when the URL or the token is wrong or hubql never comes up.
        try:
            self._client.execute(PING, {}, what="the start-up check", write=False)
        except HubqlError as error:
            raise _translate(error, "the start-up check") from error
        self.log.info("HubqlDB: task records are stored in hubql at %s", self.url)

    # -- writes -----------------------------------------------------------------------------------------------

    def add_record(self, msg_id: str, rec: Mapping[str, Any]) -> None:
        """Add a new Task Record, by msg_id. Keys that are not TaskRecord keys are dropped, as SQLiteDB does."""
        fields = {key: value for key, value in rec.items() if key in _KNOWN}
        fields["msg_id"] = msg_id
        dropped = sorted(set(rec) - _KNOWN)
        if dropped:
            self.log.debug("HubqlDB: add_record %r drops non-TaskRecord key(s) %s", msg_id, dropped)
        what = f"add_record {msg_id!r}"
        try:
            self._client.execute(ADD, {"records": [encode_fields(fields)]}, what=what, write=True)
        except HubqlError as error:
            if error.maybe_repeated and msg_id in (error.extensions.get("msgIds") or []):
                # An earlier attempt reached hubql and only its answer was lost: the record is ours.
                self.log.info("HubqlDB: %s was already stored by an earlier attempt", what)
                return
            raise _translate(error, what) from error

    def update_record(self, msg_id: str, rec: Mapping[str, Any]) -> None:
        """Update the data in an existing record. Unknown keys are refused and nothing changes (SQLiteDB: no such
        column); an unknown msg_id is a ``KeyError`` (SQLiteDB ignores it, DictDB raises)."""
        fields = dict(rec)
        if fields.get("msg_id", msg_id) != msg_id:
            raise ValueError(f"update_record cannot change msg_id {msg_id!r} to {fields['msg_id']!r}")
        fields.pop("msg_id", None)
        unknown = sorted(set(fields) - _KNOWN)
        if unknown:
            raise KeyError(f"Not TaskRecord key(s): {unknown}; nothing was updated for {msg_id!r}")
        if not fields:
            return
        what = f"update_record {msg_id!r}"
        try:
            self._client.execute(UPDATE, {"msgId": msg_id, "patch": encode_fields(fields)}, what=what, write=True)
        except HubqlError as error:
            raise _translate(error, what) from error

    def drop_record(self, msg_id: str) -> None:
        """Remove a record from the DB (no error when it is not there, as SQLiteDB)."""
        what = f"drop_record {msg_id!r}"
        try:
            self._client.execute(PURGE_IDS, {"msgIds": [msg_id]}, what=what, write=True)
        except HubqlError as error:
            raise _translate(error, what) from error

    def drop_matching_records(self, check: Mapping[str, Any]) -> None:
        """Remove every record matching ``check``, completed or not: the Hub has already refused pending ids."""
        what = f"drop_matching_records {dict(check)!r}"
        try:
            self._client.execute(PURGE_FILTER, {"filter": encode_query(check)}, what=what, write=True)
        except HubqlError as error:
            raise _translate(error, what) from error

    # -- reads ------------------------------------------------------------------------------------------------

    def get_record(self, msg_id: str) -> dict[str, Any]:
        """Get a specific Task Record, by msg_id: all 23 keys."""
        what = f"get_record {msg_id!r}"
        try:
            data = self._client.execute(GET, {"msgId": msg_id}, what=what, write=False)
        except HubqlUnavailable as error:
            raise RecordUnavailable(str(error)) from error
        except HubqlError as error:
            raise _translate(error, what) from error
        raw = data.get("taskRecord")
        if raw is None:
            raise KeyError(f"No such msg: {msg_id!r}")
        return decode_record(raw)

    def find_records(self, check: Mapping[str, Any], keys: list[str] | None = None) -> list[dict[str, Any]]:
        """Records matching a MongoDB-style filter; with ``keys``, only ``msg_id`` and those keys.

        Without keys the records are complete, buffers included, as SQLiteDB returns them (the Hub's
        ``get_result`` reads ``result_buffers`` from them). ``keys=[]`` means all keys, as in DictDB.
        """
        wanted = list(dict.fromkeys(["msg_id", *keys])) if keys else list(TASK_RECORD_KEYS)
        what = "find_records"
        try:
            data = self._client.execute(FIND, {"query": encode_query(check), "keys": wanted}, what=what, write=False)
        except HubqlError as error:
            raise _translate(error, what) from error
        return [decode_record(raw, wanted) for raw in data["dbQuery"]]

    def get_history(self) -> list[str]:
        """Every msg_id, by submit time."""
        try:
            data = self._client.execute(HISTORY, {}, what="get_history", write=False)
        except HubqlError as error:
            raise _translate(error, "get_history") from error
        return list(data["taskHistory"])

    def close(self) -> None:
        self._client.close()


def _translate(error: HubqlError, what: str) -> Exception:
    """A hubql error as the exception SQLiteDB/DictDB would raise, so the Hub's replies name the same kind."""
    message = f"{error} ({error.code}, during {what})"
    if error.code == "NOT_FOUND":
        return KeyError(message)
    if error.code == "BAD_USER_INPUT":
        # hubql's extensions.reason (docs/errors.md) names the refusals the Hub's stores raise as KeyError.
        if error.extensions.get("reason") in KEY_ERROR_REASONS:
            return KeyError(message)
        return ValueError(message)
    if error.code in ("UNAUTHENTICATED", "FORBIDDEN"):
        return PermissionError(f"hubql refused the token: {message}. Set HubqlDB.token (or HUBQL_TOKEN).")
    return RuntimeError(message)
