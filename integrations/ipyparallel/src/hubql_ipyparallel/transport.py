"""GraphQL over one keep-alive HTTP connection, with bounded retries while hubql is unreachable.

The Hub calls its database synchronously from its event loop, so every call here blocks until hubql has answered.
A call that cannot reach hubql retries with backoff for up to ``retry_timeout`` seconds (long enough to ride out a
restart of hubql), then raises :class:`HubqlUnavailable`. After such a give-up the client is *degraded*: later calls
try once and fail at once, so the Hub keeps serving clients and logs each lost write, instead of stalling a whole
``retry_timeout`` per message; the first call that gets through ends the degraded state.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

#: Gateway answers that mean "not now" rather than "no": retried like a refused connection.
RETRYABLE_STATUS = frozenset({502, 503, 504})
#: Backoff between attempts, in seconds: 0.1, 0.2, 0.4 … capped at 2.
FIRST_DELAY = 0.1
MAX_DELAY = 2.0


class HubqlError(Exception):
    """hubql answered with a GraphQL error (``code`` is its ``extensions.code``)."""

    def __init__(self, message: str, code: str, extensions: dict[str, Any], maybe_repeated: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.extensions = extensions
        #: True when an earlier attempt of the same call may have reached hubql (its answer was lost), so an
        #: "already exists" answer may be our own earlier write.
        self.maybe_repeated = maybe_repeated


class HubqlUnavailable(ConnectionError):
    """hubql could not be reached (or kept failing with 502/503/504) for the whole retry window."""


class GraphQLClient:
    """Posts GraphQL operations to one hubql URL over a persistent connection. Thread-safe (one call at a time)."""

    def __init__(
        self,
        url: str,
        *,
        token: str = "",
        request_timeout: float = 30.0,
        retry_timeout: float = 30.0,
        log: logging.Logger | logging.LoggerAdapter[Any] | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"HubqlDB.url must be an http(s) URL such as http://127.0.0.1:4000/graphql, got {url!r}")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "/graphql") + (f"?{parts.query}" if parts.query else "")
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/graphql-response+json, application/json",
        }
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self.request_timeout = request_timeout
        self.retry_timeout = retry_timeout
        self.log = log or logging.getLogger("hubql_ipyparallel")
        self._lock = threading.Lock()
        self._conn: http.client.HTTPConnection | None = None
        #: When the current outage began (monotonic seconds), None while hubql answers.
        self._outage_since: float | None = None
        self._degraded = False
        #: Connections opened so far (keep-alive means this stays at 1 while hubql stays up).
        self.connections_opened = 0

    # -- public -----------------------------------------------------------------------------------------------

    def execute(self, document: str, variables: dict[str, Any], *, what: str, write: bool) -> dict[str, Any]:
        """Runs one operation and returns its ``data``. ``what`` names the call in log lines (e.g. "add_record 'x'");
        ``write`` says whether giving up loses a change (the log line says so).

        Raises :class:`HubqlError` for a GraphQL error, :class:`HubqlUnavailable` when hubql stays unreachable.
        """
        body = json.dumps({"query": document, "variables": variables}, separators=(",", ":")).encode("utf-8")
        with self._lock:
            return self._execute(body, what, write)

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    # -- internals --------------------------------------------------------------------------------------------

    def _execute(self, body: bytes, what: str, write: bool) -> dict[str, Any]:
        started = time.monotonic()
        deadline = started + (0.0 if self._degraded else self.retry_timeout)
        delay = FIRST_DELAY
        maybe_delivered = False
        while True:
            reused = self._conn is not None
            try:
                status, payload = self._post(body)
            except (OSError, http.client.HTTPException) as error:
                self._drop_connection()
                # A refused connect never reached hubql; anything after connecting may have.
                maybe_delivered = maybe_delivered or not isinstance(error, ConnectionRefusedError)
                if reused and not isinstance(error, TimeoutError):
                    # Most likely hubql closed an idle keep-alive connection: try a fresh one before calling it an
                    # outage.
                    continue
                failure = f"{type(error).__name__}: {error}"
            else:
                if status in RETRYABLE_STATUS:
                    maybe_delivered = True
                    failure = f"HTTP {status}"
                else:
                    self._recovered()
                    return self._data(status, payload, maybe_delivered)
            self._failed(failure, what)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._degraded = True
                waited = time.monotonic() - started
                message = (
                    f"hubql at {self.url} is unreachable ({failure}); "
                    + (f"{what} was NOT stored" if write else f"{what} failed")
                    + (f" after retrying for {waited:.1f} s" if waited > 0.05 else " (hubql is down: no retry)")
                )
                self.log.error("HubqlDB: %s", message)
                raise HubqlUnavailable(message)
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, MAX_DELAY)

    def _post(self, body: bytes) -> tuple[int, bytes]:
        if self._conn is None:
            self._conn = self._connect()
        self._conn.request("POST", self._path, body=body, headers=self._headers)
        response = self._conn.getresponse()
        payload = response.read()
        if response.getheader("connection", "").lower() == "close":
            self._drop_connection()
        return response.status, payload

    def _connect(self) -> http.client.HTTPConnection:
        self.connections_opened += 1
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.request_timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.request_timeout)

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _failed(self, failure: str, what: str) -> None:
        """Logs the first failure of an outage (once degraded, each give-up is logged instead)."""
        if self._outage_since is not None:
            return
        self._outage_since = time.monotonic()
        if not self._degraded:
            self.log.error(
                "HubqlDB: hubql at %s is unreachable (%s) during %s; the Hub waits, retrying for up to %g s",
                self.url,
                failure,
                what,
                self.retry_timeout,
            )

    def _recovered(self) -> None:
        if self._outage_since is not None:
            self.log.warning(
                "HubqlDB: hubql at %s is reachable again after %.1f s",
                self.url,
                time.monotonic() - self._outage_since,
            )
        self._outage_since = None
        self._degraded = False

    def _data(self, status: int, payload: bytes, maybe_delivered: bool) -> dict[str, Any]:
        try:
            document = json.loads(payload)
        except ValueError:
            raise HubqlError(
                f"hubql at {self.url} answered HTTP {status} with a body that is not JSON: {payload[:200]!r}",
                "BAD_RESPONSE",
                {},
            ) from None
        errors = document.get("errors") if isinstance(document, dict) else None
        if errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            extensions = first.get("extensions") or {}
            raise HubqlError(
                str(first.get("message", errors[0])),
                str(extensions.get("code", f"HTTP_{status}")),
                extensions,
                maybe_repeated=maybe_delivered,
            )
        data = document.get("data") if isinstance(document, dict) else None
        if status != 200 or not isinstance(data, dict):
            raise HubqlError(f"hubql at {self.url} answered HTTP {status} without data", f"HTTP_{status}", {})
        return data
