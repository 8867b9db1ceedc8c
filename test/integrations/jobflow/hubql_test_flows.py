"""The jobflow flows the integration test runs through hubql and through ``run_locally``.

Every uuid is derived from the flow's name (``uuid5``), including those of jobs a Response creates at run time,
so both runs give the same ``(uuid, index)`` keys and their outputs compare one to one. Workers import this
module by name (``PYTHONPATH`` holds its folder), as they would import a user's package.

Environment (set by the test for its workers, unset for ``run_locally``):

- ``HUBQL_JOBFLOW_TEST_RUNS``: a file; every job execution appends ``uuid index pid`` (duplicate runs show up);
- ``HUBQL_JOBFLOW_TEST_MARKERS``: a folder where ``flaky`` remembers it already failed once.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobflow import CURRENT_JOB, Flow, Job, OutputReference, Response, job

NAMESPACE = uuid.UUID("6b1f1f4e-3c4a-4e0a-9a55-2f7d0a6c1d11")

__all__ = ["FLOWS", "build"]


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _named(new: Job, *parts: str) -> Job:
    """Gives a job its deterministic uuid; call before anything refers to its output."""
    new.set_uuid(_uuid(*parts))
    return new


def _record() -> None:
    runs = os.environ.get("HUBQL_JOBFLOW_TEST_RUNS")
    if runs:
        current = CURRENT_JOB.job
        # One short O_APPEND write per run: lines from parallel workers do not interleave.
        with open(runs, "a", encoding="utf-8") as log:
            log.write(f"{current.uuid} {current.index} {os.getpid()}\n")


@job
def add(a: float, b: float) -> dict[str, Any]:
    _record()
    return {"x": a + b, "y": [a, b]}


@job
def describe(value: Any) -> dict[str, Any]:
    """Reports the exact Python value it got: ``7.0`` and ``7`` differ here, as they do for jobflow."""
    _record()
    return {"x": value, "repr": repr(value), "type": type(value).__name__}


@job
def numbers(count: int) -> dict[str, Any]:
    _record()
    return {"values": list(range(1, count + 1)), "scale": 0.5}


@job(data=True)
def tabulate(n: int) -> dict[str, Any]:
    """Its whole output goes to the additional store ``data`` (a blob in the main store's document)."""
    _record()
    return {"values": [i * 0.5 for i in range(n)], "n": n}


@job
def square(value: int, pause: float) -> int:
    _record()
    time.sleep(pause)  # keeps both workers busy at once
    return value * value


@job
def total(values: list[int], scale: float) -> dict[str, Any]:
    _record()
    return {"x": sum(values) * scale, "count": len(values)}


@job
def split(n: int) -> Response[Any]:
    """Replaces itself by two jobs; the flow's output (the second job's) becomes this job's output."""
    _record()
    me = CURRENT_JOB.job.uuid
    first = _named(add(n, 1), me, "first")
    second = _named(add(first.output["x"], 100), me, "second")
    return Response(replace=Flow([first, second], output=second.output, uuid=_uuid(me, "replacement")))


@job
def with_addition(n: int) -> Response[Any]:
    _record()
    me = CURRENT_JOB.job.uuid
    extra = _named(add(n, 7), me, "extra")
    return Response(output={"x": n}, addition=Flow([extra], uuid=_uuid(me, "addition")))


@job
def with_detour(n: int) -> Response[Any]:
    _record()
    me = CURRENT_JOB.job.uuid
    first = _named(add(n, 40), me, "detour-1")
    second = _named(describe(first.output["x"]), me, "detour-2")
    return Response(output={"x": n}, detour=Flow([first, second], uuid=_uuid(me, "detour")))


@job
def flaky(name: str, value: int) -> dict[str, Any]:
    """Fails the first time it runs (per marker folder), succeeds when rerun."""
    _record()
    folder = os.environ.get("HUBQL_JOBFLOW_TEST_MARKERS")
    if not folder:
        raise RuntimeError("HUBQL_JOBFLOW_TEST_MARKERS is not set")
    marker = Path(folder) / f"{name}-{CURRENT_JOB.job.uuid}"
    if not marker.exists():
        marker.write_text("failed once\n", encoding="utf-8")
        raise RuntimeError(f"flaky job {name} fails on its first run")
    return {"x": value * 2}


@job
def nap(seconds: float) -> dict[str, Any]:
    """Runs longer than the test worker's lease (--ttl), which must be renewed meanwhile."""
    _record()
    time.sleep(seconds)
    return {"slept": seconds}


@job
def not_a_number() -> dict[str, Any]:
    """An output JSON cannot carry: the worker fails the job, naming NaN."""
    _record()
    return {"x": float("nan")}


@job
def stop_after(n: int) -> Response[Any]:
    _record()
    return Response(output={"x": n}, stop_children=True)


def chain() -> Flow:
    """A linear chain with ``output["x"]`` references; one input is an integral float (7.0 must stay 7.0)."""
    a = _named(add(1, 2), "chain", "a")
    b = _named(add(a.output["x"], 4.0), "chain", "b")
    c = _named(add(b.output["x"], a.output["y"][0]), "chain", "c")
    d = _named(describe(b.output["x"]), "chain", "d")
    return Flow([a, b, c, d], name="chain", uuid=_uuid("chain"))


def fan() -> Flow:
    """Fan-out to four jobs that take a while, fan-in through a list of references."""
    source = _named(numbers(4), "fan", "source")
    squares = [_named(square(source.output["values"][i], 0.4), "fan", f"square-{i}") for i in range(4)]
    sink = _named(total([s.output for s in squares], source.output["scale"]), "fan", "total")
    return Flow([source, *squares, sink], name="fan", uuid=_uuid("fan"))


def stores() -> Flow:
    """An output kept in an additional store, and a child that reads part of it."""
    table = _named(tabulate(3), "stores", "table")
    child = _named(add(table.output["n"], table.output["values"][2]), "stores", "child")
    return Flow([table, child], name="stores", uuid=_uuid("stores"))


def replace() -> Flow:
    """``Response(replace=Flow([x, y], output=y.output))``: the child waits for the store_inputs job at index 2."""
    parent = _named(add(4, 5), "replace", "parent")
    splitter = _named(split(parent.output["x"]), "replace", "split")
    child = _named(add(splitter.output["x"], 1000), "replace", "child")
    return Flow([parent, splitter, child], name="replace", uuid=_uuid("replace"))


def addition() -> Flow:
    adder = _named(with_addition(5), "addition", "adder")
    child = _named(add(adder.output["x"], 1), "addition", "child")
    return Flow([adder, child], name="addition", uuid=_uuid("addition"))


def detour() -> Flow:
    """A detour of two jobs; the child waits for the detour's leaf before it runs."""
    detourer = _named(with_detour(2), "detour", "detourer")
    child = _named(add(detourer.output["x"], 1), "detour", "child")
    return Flow([detourer, child], name="detour", uuid=_uuid("detour"))


def retry() -> Flow:
    """A job that fails once; its child waits until a rerun succeeds."""
    fails = _named(flaky("retry", 21), "retry", "flaky")
    child = _named(add(fails.output["x"], 0.5), "retry", "child")
    return Flow([fails, child], name="retry", uuid=_uuid("retry"))


def stop() -> Flow:
    """stop_children: the child never runs (STOPPED in hubql, skipped by run_locally); a sibling still runs."""
    stopper = _named(stop_after(1), "stop", "stopper")
    child = _named(add(stopper.output["x"], 1), "stop", "child")
    sibling = _named(add(0, 0), "stop", "sibling")
    return Flow([stopper, child, sibling], name="stop", uuid=_uuid("stop"))


def slow() -> Flow:
    """One job of three seconds, for a worker whose lease lasts 1.2 s."""
    return Flow([_named(nap(3.0), "slow", "nap")], name="slow", uuid=_uuid("slow"))


def external() -> Flow:
    """A reference to a job no flow holds (submitted with allow_external_references): resolving it fails the job."""
    missing = OutputReference(_uuid("external", "missing"))
    return Flow([_named(add(missing["x"], 1), "external", "user")], name="external", uuid=_uuid("external"))


def nan() -> Flow:
    return Flow([_named(not_a_number(), "nan", "job")], name="nan", uuid=_uuid("nan"))


FLOWS: dict[str, Callable[[], Flow]] = {
    "chain": chain,
    "fan": fan,
    "stores": stores,
    "replace": replace,
    "addition": addition,
    "detour": detour,
    "retry": retry,
    "stop": stop,
    "slow": slow,
    "external": external,
    "nan": nan,
}


def build(name: str) -> Flow:
    """A fresh Flow object (jobflow mutates a job's arguments when it runs it)."""
    try:
        return FLOWS[name]()
    except KeyError:
        raise SystemExit(f"unknown flow {name!r}; known: {', '.join(FLOWS)}") from None
