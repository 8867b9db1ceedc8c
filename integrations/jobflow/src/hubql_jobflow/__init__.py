"""Run jobflow flows through a hubql gateway.

- ``submit_flow(flow, url, token=None, …)`` stores a jobflow Flow (or Job, or list of jobs) in hubql, as
  jobflow-remote's ``JobController.add_flow`` stores it in MongoDB;
- ``python -m hubql_jobflow.worker --url … --worker NAME`` runs its jobs (see ``hubql_jobflow.worker``);
- ``flow_document`` and ``job_documents`` read back what was stored.

The GraphQL API this talks to is described in hubql's ``docs/flows-and-jobs.md`` ("jobflow documents").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .client import HubqlClient, HubqlError, TransportError
from .documents import flow_input

if TYPE_CHECKING:
    from jobflow.core.flow import Flow
    from jobflow.core.job import Job

__all__ = [
    "HubqlClient",
    "HubqlError",
    "SubmittedFlow",
    "TransportError",
    "flow_document",
    "job_documents",
    "submit_flow",
]

__version__ = "0.1.0"

ADD_FLOW = """
mutation HubqlJobflowAddFlow($flow: FlowInput!) {
  addFlow(flow: $flow) { uuid ids { dbId uuid index } }
}
"""

FLOW_DOCUMENT = "query HubqlJobflowFlowDocument($uuid: ID!) { flow(uuid: $uuid) { documentJson } }"
JOB_DOCUMENTS = """
query HubqlJobflowJobDocuments($uuid: String!, $first: Int, $after: String) {
  jobs(query: { flowIds: [$uuid] }, first: $first, after: $after) {
    edges { node { uuid index documentJson } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass(frozen=True)
class SubmittedFlow:
    """What ``addFlow`` answered: the flow's uuid and, per job in iterflow order, its db id."""

    uuid: str
    db_ids: list[str]


def submit_flow(
    flow: Flow | Job | list[Job],
    url: str,
    token: str | None = None,
    *,
    worker: str = "local",
    exec_config: str | dict[str, Any] | None = None,
    resources: dict[str, Any] | None = None,
    priority: int | None = None,
    allow_external_references: bool = False,
    client: HubqlClient | None = None,
) -> SubmittedFlow:
    """Stores a jobflow Flow in hubql; its jobs wait for ``python -m hubql_jobflow.worker --worker WORKER``.

    The arguments after ``token`` are those of jobflow-remote's ``submit_flow``/``add_flow``: the worker name the
    jobs are for (default ``"local"``), an exec config (a name or an inline dict), queue resources and a priority,
    each a default that a job's ``config.manager_config`` overrides; and whether references to jobs outside the
    flow are allowed (they resolve against outputs stored in hubql by other flows).
    """
    value = flow_input(
        flow,
        worker=worker,
        exec_config=exec_config,
        resources=resources,
        priority=priority,
        allow_external_references=allow_external_references,
    )
    own = client is None
    session = client or HubqlClient(url, token)
    try:
        added = session.execute(ADD_FLOW, {"flow": value})["addFlow"]
    finally:
        if own:
            session.close()
    return SubmittedFlow(uuid=added["uuid"], db_ids=[entry["dbId"] for entry in added["ids"]])


def flow_document(uuid: str, url: str, token: str | None = None) -> dict[str, Any]:
    """The stored flow as ``Flow.as_dict()`` gave it at submission (``Flow.from_dict`` rebuilds the Flow)."""
    with HubqlClient(url, token) as client:
        flow = client.execute(FLOW_DOCUMENT, {"uuid": uuid})["flow"]
    if flow is None:
        raise KeyError(f"no flow {uuid} in hubql")
    document: dict[str, Any] = json.loads(flow["documentJson"])
    return document


def job_documents(flow_uuid: str, url: str, token: str | None = None) -> dict[tuple[str, int], dict[str, Any]]:
    """Every job document of a flow (dynamic jobs included), by ``(uuid, index)``."""
    documents: dict[tuple[str, int], dict[str, Any]] = {}
    after: str | None = None
    with HubqlClient(url, token) as client:
        while True:
            page = client.execute(JOB_DOCUMENTS, {"uuid": flow_uuid, "first": 500, "after": after})["jobs"]
            for edge in page["edges"]:
                node = edge["node"]
                documents[(node["uuid"], int(node["index"]))] = json.loads(node["documentJson"])
            if not page["pageInfo"]["hasNextPage"]:
                return documents
            after = page["pageInfo"]["endCursor"]
