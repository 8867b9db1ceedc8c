"""A small GraphQL client for hubql over one keep-alive HTTP connection (stdlib only).

A worker sends a few requests per job (checkout, steps, outputs, completion) and a lease renewal every
``ttl / 3`` seconds; one persistent connection per thread keeps that cheap without a third-party HTTP stack.
``HubqlClient`` is not thread-safe: give each thread its own (``clone()``).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.parse
from collections.abc import Mapping
from typing import Any

__all__ = ["HubqlClient", "HubqlError", "TransportError"]

#: Failures of a *reused* connection that mean the server closed it while idle: the request was not processed,
#: so sending it again on a fresh connection cannot apply it twice.
_STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class HubqlError(Exception):
    """The server answered with GraphQL errors; ``code`` is the first error's ``extensions.code``."""

    def __init__(self, errors: list[dict[str, Any]], data: Any = None) -> None:
        self.errors = errors
        self.data = data
        first = errors[0] if errors else {}
        self.code: str | None = (first.get("extensions") or {}).get("code")
        self.extensions: dict[str, Any] = dict(first.get("extensions") or {})
        super().__init__("; ".join(f"{e.get('message')} [{(e.get('extensions') or {}).get('code')}]" for e in errors))


class TransportError(Exception):
    """The server could not be reached, or answered with something that is not a GraphQL response."""


class HubqlClient:
    """POSTs GraphQL operations to ``<url>/graphql`` with an optional bearer token.

    Parameters
    ----------
    url
        The gateway, e.g. ``http://127.0.0.1:4000`` (``/graphql`` is added when the URL has no path).
    token
        A hubql bearer token (``operator`` role for submitting and running jobs); None when authentication is off.
    timeout
        Seconds to wait for the connection and for each answer.
    """

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        parsed = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
        if parsed.scheme not in ("http", "https"):
            raise ValueError(f"hubql URL must be http:// or https://, got {url!r}")
        if not parsed.hostname:
            raise ValueError(f"hubql URL has no host: {url!r}")
        self.url = url
        self.token = token
        self.timeout = timeout
        self._scheme = parsed.scheme
        self._host = parsed.hostname
        self._port = parsed.port
        path = parsed.path.rstrip("/")
        self._path = (path or "/graphql") + (f"?{parsed.query}" if parsed.query else "")
        self._connection: http.client.HTTPConnection | None = None

    def clone(self) -> HubqlClient:
        """A client for the same server with its own connection (for another thread)."""
        return HubqlClient(self.url, self.token, self.timeout)

    def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Runs one operation and returns its ``data``; raises HubqlError when the answer has errors."""
        body = json.dumps({"query": query, "variables": dict(variables or {})}, allow_nan=False).encode()
        status, payload = self._post(body)
        try:
            answer = json.loads(payload)
        except ValueError as error:
            raise TransportError(
                f"hubql answered HTTP {status} with a body that is not JSON: {payload[:200]!r}"
            ) from error
        if not isinstance(answer, dict):
            raise TransportError(f"hubql answered HTTP {status} with {type(answer).__name__}, not a GraphQL response")
        if answer.get("errors"):
            raise HubqlError(list(answer["errors"]), answer.get("data"))
        if status >= 400 or "data" not in answer:
            raise TransportError(f"hubql answered HTTP {status} without data")
        return dict(answer["data"] or {})

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> HubqlClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _post(self, body: bytes) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json", "Accept": "application/json", "Connection": "keep-alive"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        reused = self._connection is not None
        try:
            return self._send(body, headers)
        except _STALE_CONNECTION_ERRORS as error:
            self.close()
            if not reused:
                raise TransportError(f"hubql at {self.url} closed the connection: {error}") from error
            # The idle keep-alive connection had been closed by the server; the request never reached it.
            try:
                return self._send(body, headers)
            except (OSError, http.client.HTTPException) as retry_error:
                self.close()
                raise TransportError(f"cannot reach hubql at {self.url}: {retry_error}") from retry_error
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise TransportError(f"cannot reach hubql at {self.url}: {error}") from error

    def _send(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        connection = self._connect()
        connection.request("POST", self._path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, payload

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            if self._scheme == "https":
                self._connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
            self._connection.connect()
            # Small request/answer pairs: send each at once rather than waiting for Nagle's algorithm.
            sock = self._connection.sock
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._connection
