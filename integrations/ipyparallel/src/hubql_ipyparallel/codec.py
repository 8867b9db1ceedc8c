"""TaskRecord dicts (as the Hub builds them) to hubql's GraphQL values and back, the way SQLiteDB round-trips them.

- Datetimes travel as ISO-8601 text with their offset and microseconds; they come back as timezone-aware
  ``datetime`` objects (``dateutil`` parsing, as SQLiteDB's converter does).
- Dict columns are made JSON-safe with ``jupyter_client``'s ``json_default`` (the adapter SQLiteDB registers), and
  ISO-looking strings inside them become datetimes again on the way back (``extract_dates``, SQLiteDB's converter).
- Buffers (``bytes``/``memoryview`` lists) travel as base64; an empty or missing list comes back as ``None``, as
  SQLiteDB stores ``[]`` as NULL.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from dateutil.parser import parse as parse_datetime
from ipyparallel.util import ensure_timezone, extract_dates

try:
    from jupyter_client.jsonutil import json_default
except ImportError:  # jupyter_client < 7
    from jupyter_client.jsonutil import date_default as json_default

#: The Hub's 23 TaskRecord keys, in SQLiteDB's column order.
TASK_RECORD_KEYS: tuple[str, ...] = (
    "msg_id",
    "header",
    "metadata",
    "content",
    "buffers",
    "submitted",
    "client_uuid",
    "engine_uuid",
    "started",
    "completed",
    "resubmitted",
    "received",
    "result_header",
    "result_metadata",
    "result_content",
    "result_buffers",
    "queue",
    "execute_input",
    "execute_result",
    "error",
    "stdout",
    "stderr",
    "label",
)
DATETIME_KEYS = frozenset({"submitted", "started", "completed", "received"})
BUFFER_KEYS = frozenset({"buffers", "result_buffers"})
#: Dict-valued columns. SQLiteDB declares ``execute_result`` and ``error`` as plain text and so returns them as
#: JSON *text*; hubql keeps them as objects, as DictDB and MongoDB do (README: "Differences from SQLiteDB").
DICT_KEYS = frozenset(
    {"header", "metadata", "content", "result_header", "result_metadata", "result_content", "execute_result", "error"}
)


def camel(key: str) -> str:
    """``result_buffers`` → ``resultBuffers`` (hubql's GraphQL field names)."""
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


#: The TaskRecord selection every read asks for: the 23 keys, camelCased.
RECORD_SELECTION = " ".join(camel(key) for key in TASK_RECORD_KEYS)


def encode_fields(rec: Mapping[str, Any]) -> dict[str, Any]:
    """TaskRecord keys → a ``TaskRecordInput``/``TaskRecordPatch`` (camelCase, JSON-safe). Keys must be known."""
    return {camel(key): encode_value(key, value) for key, value in rec.items()}


def encode_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in DATETIME_KEYS:
        return encode_datetime(key, value)
    if key in BUFFER_KEYS:
        return [base64.b64encode(memoryview(buf).tobytes()).decode("ascii") for buf in value]
    if key in DICT_KEYS:
        if isinstance(value, str):
            # SQLiteDB rows carry execute_result/error as JSON text; accept them so its records can be copied over.
            value = json.loads(value)
        return to_json(value)
    return value


def encode_datetime(key: str, value: Any) -> str:
    if not isinstance(value, datetime):
        # DictDB's check: the Hub only ever stores datetimes here.
        raise ValueError(f"{key} must be None or datetime, not {value!r}")
    return str(ensure_timezone(value).isoformat())


def to_json(value: Any) -> Any:
    """A JSON-safe copy: datetimes become ISO text exactly as SQLiteDB's dict adapter writes them."""
    return json.loads(json.dumps(value, default=json_default))


def encode_query(check: Mapping[str, Any]) -> Any:
    """A find/drop filter (datetimes anywhere in it, as the Hub's ``extract_dates`` left them) as JSON."""
    return json.loads(json.dumps(check, default=_query_default))


def _query_default(value: Any) -> Any:
    if isinstance(value, datetime):
        # isoformat keeps microseconds and the offset; json_default would turn +00:00 into Z, also fine for hubql.
        return ensure_timezone(value).isoformat()
    return json_default(value)


def decode_record(raw: Mapping[str, Any], keys: Iterable[str] | None = None) -> dict[str, Any]:
    """A hubql record (camelCase from ``taskRecord``, or snake_case from ``dbQuery``) → a TaskRecord dict."""
    wanted = TASK_RECORD_KEYS if keys is None else tuple(keys)
    record: dict[str, Any] = {}
    for key in wanted:
        value = raw[key] if key in raw else raw.get(camel(key))
        record[key] = decode_value(key, value)
    return record


def decode_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in DATETIME_KEYS:
        return ensure_timezone(parse_datetime(value))
    if key in BUFFER_KEYS:
        return [base64.b64decode(item) for item in value] or None
    if key in DICT_KEYS:
        return extract_dates(value)
    return value
