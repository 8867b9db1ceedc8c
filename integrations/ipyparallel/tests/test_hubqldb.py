"""HubqlDB against a real hubql: HUBQL_TEST_URL names it (skipped otherwise); HUBQL_TEST_TOKEN when it has tokens.

    HUBQL_TEST_URL=http://127.0.0.1:4000/graphql python -m unittest discover -s integrations/ipyparallel/tests

hubql's test suite runs these against a fresh store (test/integrations/ipyparallel.test.ts). Outages are made with
a real TCP relay in front of hubql that the test closes and reopens.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import unittest
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

from hubql_ipyparallel import HubqlDB, HubqlUnavailable, RecordUnavailable
from hubql_ipyparallel.codec import TASK_RECORD_KEYS

URL = os.environ.get("HUBQL_TEST_URL", "")
TOKEN = os.environ.get("HUBQL_TEST_TOKEN", "")


class Relay:
    """A TCP relay to hubql that can go away and come back on the same port (an outage, as clients see one)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen()
        self.port = server.getsockname()[1]
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            try:
                # Wakes the accept() blocked in the other thread; close() alone keeps the port listening.
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
            self._server = None
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelname, record.getMessage()))


def new_logger() -> tuple[logging.Logger, LogLines]:
    logger = logging.getLogger(f"hubqldb-test-{uuid.uuid4()}")
    logger.setLevel(logging.DEBUG)
    lines = LogLines()
    logger.addHandler(lines)
    return logger, lines


def task_record(msg_id: str, **fields):
    now = datetime(2026, 5, 4, 3, 2, 1, 654321, tzinfo=timezone.utc)
    rec = {
        "msg_id": msg_id,
        "header": {"msg_id": msg_id, "date": now, "session": "s"},
        "metadata": {"label": None},
        "content": {},
        "buffers": [b"\x00\x01binary\xff" * 1000],
        "submitted": now,
        "client_uuid": "s",
        "queue": "task",
        "stdout": "",
        "stderr": "",
    }
    rec.update(fields)
    return rec


@unittest.skipUnless(URL, "HUBQL_TEST_URL is not set (hubql's test suite sets it)")
class HubqlDBTest(unittest.TestCase):
    def make(self, **kwargs) -> HubqlDB:
        kwargs.setdefault("url", URL)
        kwargs.setdefault("token", TOKEN)
        db = HubqlDB(**kwargs)
        self.addCleanup(db.close)
        return db

    def relay(self) -> Relay:
        parts = urlsplit(URL)
        relay = Relay((parts.hostname or "127.0.0.1", parts.port or 80))
        relay.start()
        self.addCleanup(relay.stop)
        return relay

    def relayed_url(self, relay: Relay) -> str:
        parts = urlsplit(URL)
        return urlunsplit(parts._replace(netloc=f"127.0.0.1:{relay.port}"))

    def test_round_trip_keeps_bytes_and_dict_dates(self) -> None:
        db = self.make()
        msg_id = str(uuid.uuid4())
        rec = task_record(msg_id, result_buffers=[b"r" * 150_000])
        db.add_record(msg_id, rec)
        stored = db.get_record(msg_id)
        self.assertEqual(sorted(stored), sorted(TASK_RECORD_KEYS))
        self.assertEqual(stored["buffers"], rec["buffers"])
        self.assertEqual(stored["result_buffers"], rec["result_buffers"])
        self.assertIsInstance(stored["buffers"][0], bytes)
        # Dates inside dict columns travel as the JSON text SQLiteDB would write, microseconds included.
        self.assertEqual(stored["header"]["date"], rec["header"]["date"])
        self.assertIsNotNone(stored["submitted"].tzinfo)
        self.assertIsNone(stored["result_header"])

    def test_one_keep_alive_connection(self) -> None:
        db = self.make()
        msg_id = str(uuid.uuid4())
        db.add_record(msg_id, task_record(msg_id))
        for i in range(20):
            db.update_record(msg_id, {"stdout": "x" * i})
            db.get_record(msg_id)
        self.assertEqual(db._client.connections_opened, 1)

    def test_unknown_keys(self) -> None:
        db = self.make()
        msg_id = str(uuid.uuid4())
        # add_record drops them, as SQLiteDB does (the Hub's IOPub path writes 'display_data').
        db.add_record(msg_id, task_record(msg_id, display_data={"data": {}}))
        # update_record refuses them and changes nothing (SQLiteDB: "no such column").
        with self.assertRaises(KeyError):
            db.update_record(msg_id, {"display_data": {"data": {}}, "stdout": "changed"})
        self.assertEqual(db.get_record(msg_id)["stdout"], "")

    def test_missing_records(self) -> None:
        db = self.make()
        with self.assertRaises(KeyError):
            db.get_record("no-such-id")
        with self.assertRaises(KeyError):
            db.update_record("no-such-id", {"stdout": "x"})
        db.drop_record("no-such-id")  # not an error, as in SQLiteDB

    def test_filter_errors_name_the_exception_sqlitedb_raises(self) -> None:
        db = self.make()
        with self.assertRaises(KeyError):
            db.find_records({"bogus": 1})
        with self.assertRaises(KeyError):
            db.find_records({"queue": "task"}, ["bogus"])
        with self.assertRaises(ValueError):
            db.find_records({"submitted": {"$lt": "not a date"}})

    def test_unreachable_at_start_up_fails_after_the_retry_window(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        logger, lines = new_logger()
        started = time.monotonic()
        with self.assertRaises(HubqlUnavailable) as raised:
            HubqlDB(url=f"http://127.0.0.1:{port}/graphql", retry_timeout=0.5, log=logger)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        self.assertIn(f"127.0.0.1:{port}", str(raised.exception))
        errors = [text for level, text in lines.lines if level == "ERROR"]
        self.assertTrue(any("unreachable" in text for text in errors), lines.lines)

    def test_outage_waits_then_degrades_then_recovers(self) -> None:
        relay = self.relay()
        logger, lines = new_logger()
        db = self.make(url=self.relayed_url(relay), retry_timeout=0.6, log=logger)
        first = str(uuid.uuid4())
        db.add_record(first, task_record(first))

        # A short outage inside the retry window: the write waits and lands.
        relay.stop()
        threading.Timer(0.3, relay.start).start()
        during = str(uuid.uuid4())
        db.add_record(during, task_record(during))
        self.assertEqual(db.get_record(during)["msg_id"], during)
        self.assertTrue(any("reachable again" in text for _, text in lines.lines), lines.lines)

        # A long one: the call gives up loudly; later calls fail at once; reads look like "unknown" to the Hub.
        relay.stop()
        lost = str(uuid.uuid4())
        with self.assertRaises(HubqlUnavailable):
            db.add_record(lost, task_record(lost))
        started = time.monotonic()
        with self.assertRaises(HubqlUnavailable):
            db.update_record(first, {"stdout": "x"})
        self.assertLess(time.monotonic() - started, 0.3)
        with self.assertRaises(RecordUnavailable):
            db.get_record(first)
        self.assertTrue(any(level == "ERROR" and lost in text for level, text in lines.lines), lines.lines)

        relay.start()
        db.update_record(first, {"stdout": "back"})
        self.assertEqual(db.get_record(first)["stdout"], "back")
        with self.assertRaises(KeyError):
            db.get_record(lost)

    def test_purge_semantics(self) -> None:
        db = self.make()
        pending, done = str(uuid.uuid4()), str(uuid.uuid4())
        db.add_record(pending, task_record(pending))
        db.add_record(done, task_record(done, completed=datetime.now(timezone.utc)))
        # The Hub checks its own pending set before it calls this: the database deletes what matches.
        db.drop_matching_records({"msg_id": {"$in": [pending, done]}})
        self.assertEqual(db.find_records({"msg_id": {"$in": [pending, done]}}, ["msg_id"]), [])

    def test_datetimes_in_filters_keep_their_offset(self) -> None:
        db = self.make()
        msg_id = str(uuid.uuid4())
        at = datetime(2030, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-4)))
        db.add_record(msg_id, task_record(msg_id, submitted=at))
        found = db.find_records(
            {"submitted": {"$gte": datetime(2030, 1, 1, 16, 0, tzinfo=timezone.utc)}}, ["submitted"]
        )
        self.assertIn(msg_id, [r["msg_id"] for r in found])
        self.assertEqual(db.get_record(msg_id)["submitted"], at)


@unittest.skipUnless(URL and TOKEN, "HUBQL_TEST_TOKEN is not set")
class TokenTest(unittest.TestCase):
    def test_a_wrong_token_fails_at_start_up(self) -> None:
        with self.assertRaises(PermissionError) as raised:
            HubqlDB(url=URL, token="not-the-token")
        self.assertIn("UNAUTHENTICATED", str(raised.exception))

    def test_the_token_can_come_from_the_environment(self) -> None:
        os.environ["HUBQL_TOKEN"] = TOKEN
        self.addCleanup(os.environ.pop, "HUBQL_TOKEN")
        db = HubqlDB(url=URL)
        self.addCleanup(db.close)
        db.get_history()


if __name__ == "__main__":
    unittest.main()
