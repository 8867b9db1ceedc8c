"""jobflow objects ⇄ the JSON documents hubql stores (hubql's docs/flows-and-jobs.md, "jobflow documents").

hubql keeps the serialized jobflow Job exactly as jobflow-remote stores it in ``JobDoc.job``
(``jsanitize(job, strict=True, enum_values=True)``), and a job's output exactly as ``Job.run`` puts it in the
JobStore (``JobStoreDocument.output``). Both travel as JSON *text* (``documentJson``, ``outputJson``): a JSON
value parsed by the gateway's JavaScript would turn ``1.0`` into ``1`` and round integers beyond 2**53, and a
child job would then see other inputs than under ``run_locally``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from monty.json import MontyEncoder, jsanitize

if TYPE_CHECKING:
    from jobflow.core.flow import Flow
    from jobflow.core.job import Job, Response

__all__ = [
    "JOB_PLACEHOLDER",
    "canonical",
    "dumps",
    "dynamic_jobs",
    "flow_input",
    "flow_skeleton",
    "job_document",
    "job_input",
    "reference_uuids",
    "response_input",
]

#: Marks where a job sat in a flow document (``Flow.documentJson``); hubql puts the job's own document back there.
JOB_PLACEHOLDER = "@hubql_job"


def dumps(value: Any) -> str:
    """JSON text of a jobflow value: monty's encoder (datetimes, numpy, MSONable) and no NaN/Infinity.

    Raises ``ValueError`` for NaN or infinite floats, which JSON cannot carry.
    """
    try:
        return json.dumps(value, cls=MontyEncoder, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except ValueError as error:
        raise ValueError(
            f"cannot send a value to hubql as JSON: {error} (NaN and infinities have no JSON form)"
        ) from error


def canonical(value: Any) -> str:
    """One text per JSON value (sorted keys, no spaces): "equal after JSON normalization" compares these."""
    return json.dumps(json.loads(dumps(value)), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def job_document(job: Job) -> dict[str, Any]:
    """The serialized job as jobflow-remote stores it (``get_initial_job_doc_dict``: ``JobDoc.job``)."""
    document = jsanitize(job, strict=True, enum_values=True)
    if not isinstance(document, dict):
        raise TypeError(f"{job!r} did not serialize to a JSON object")
    return document


def job_input(job: Job, parents: list[str]) -> dict[str, Any]:
    """One entry of ``FlowInput.jobs`` / a dynamic response: the job's document and its parents (iterflow's)."""
    return {"documentJson": dumps(job_document(job)), "parents": list(parents)}


def flow_skeleton(flow_dict: dict[str, Any]) -> dict[str, Any]:
    """``Flow.as_dict()`` with every job replaced by ``{"@hubql_job": {"uuid", "index"}}`` (sub-flows kept).

    hubql stores each job's document once (in its row) and puts it back into the placeholders when the flow
    document is read, so a flow read back equals ``flow.as_dict()``.
    """

    def strip(node: dict[str, Any]) -> dict[str, Any]:
        result = dict(node)
        jobs = []
        for member in node.get("jobs", []):
            if isinstance(member, dict) and member.get("@class") == "Flow":
                jobs.append(strip(member))
            elif isinstance(member, dict):
                jobs.append({JOB_PLACEHOLDER: {"uuid": member["uuid"], "index": member["index"]}})
            else:
                raise TypeError(f"unexpected member of a flow document: {member!r}")
        result["jobs"] = jobs
        return result

    return strip(flow_dict)


def flow_input(
    flow: Flow | Job | list[Job],
    *,
    worker: str | None = None,
    exec_config: str | dict[str, Any] | None = None,
    resources: dict[str, Any] | None = None,
    priority: int | None = None,
    allow_external_references: bool = False,
) -> dict[str, Any]:
    """The ``addFlow(flow: FlowInput)`` argument for a jobflow Flow, Job or list of jobs (``FlowInput``).

    As jobflow-remote's ``add_flow``: ``get_flow`` (which checks references unless ``allow_external_references``),
    then one job per ``iterflow()`` entry, in that order, with iterflow's parents (references and the fake edges of
    a LINEAR flow). ``worker``, ``exec_config``, ``resources`` and ``priority`` are add_flow's defaults; a job's own
    ``config.manager_config`` wins over them, as upstream.
    """
    from jobflow.core.flow import get_flow

    whole = get_flow(flow, allow_external_references=allow_external_references)
    jobs = [job_input(job, parents) for job, parents in whole.iterflow()]
    document = jsanitize(whole.as_dict(), strict=True, enum_values=True)
    value: dict[str, Any] = {
        "uuid": whole.uuid,
        "name": whole.name,
        "jobs": jobs,
        "documentJson": dumps(flow_skeleton(document)),
        "allowExternalReferences": allow_external_references,
    }
    if worker is not None:
        value["worker"] = worker
    if exec_config is not None:
        value["execConfig"] = exec_config
    if resources is not None:
        value["resources"] = resources
    if priority is not None:
        value["priority"] = priority
    return value


def dynamic_jobs(flow: Flow) -> list[dict[str, Any]]:
    """A Response's replace/addition/detour flow as the jobs hubql appends: iterflow order and parents."""
    return [job_input(job, parents) for job, parents in flow.iterflow()]


def response_input(response: Response[Any], output_json: str) -> dict[str, Any]:
    """``completeJob(response:)`` for a jobflow Response (``JobResponseInput``).

    ``output_json`` is the job's stored output (what ``Job.run`` wrote to the JobStore). ``Job.run`` has already
    turned replace/addition/detour into Flows (``prepare_replace`` adds the ``store_inputs`` job at the next index).
    """
    value: dict[str, Any] = {"outputJson": output_json}
    if response.stored_data is not None:
        value["storedData"] = json.loads(dumps(jsanitize(response.stored_data, strict=True, enum_values=True)))
    for part in ("replace", "addition", "detour"):
        flow = getattr(response, part)
        if flow is not None:
            value[part] = dynamic_jobs(flow)
    if response.stop_children:
        value["stopChildren"] = True
    if response.stop_jobflow:
        value["stopJobflow"] = True
    return value


def iter_references(value: Any) -> Iterator[dict[str, Any]]:
    """Every serialized OutputReference inside a JSON value (any depth), as jobflow's ``find_key_value`` finds them."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("@class") == "OutputReference" and isinstance(node.get("uuid"), str):
                yield node
                continue
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def reference_uuids(value: Any) -> set[str]:
    """The uuids whose outputs a JSON value refers to."""
    return {reference["uuid"] for reference in iter_references(value)}
