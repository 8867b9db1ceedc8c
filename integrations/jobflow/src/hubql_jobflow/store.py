"""The JobStore a worker runs one job against, filled from outputs stored in hubql.

jobflow resolves an ``OutputReference`` by asking the store for the highest index of the referenced uuid and
reading its output (``JobStore.get_output(uuid, which="last")``), then resolving any references *inside* that
output the same way (a ``store_inputs`` job, added by a multi-job replace, stores references to the replacing
jobs). So the worker loads the closure: the outputs named by the job's arguments, then those their outputs name,
until nothing new appears. Outputs exist in the store exactly for completed jobs, as in jobflow-remote's JobStore
and in ``run_locally``'s; a missing one is left to the job's ``on_missing_references``, as there.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jobflow.core.store import JobStore
from maggma.stores import MemoryStore

from .client import HubqlClient
from .documents import reference_uuids

__all__ = ["StoredOutput", "build_store", "fetch_closure", "fetch_outputs", "load_closure"]

#: uuids per request: each is one `$in` element of the filter, far below the filter's node limit (500).
UUIDS_PER_REQUEST = 100
#: Rows per page (the gateway's default HUBQL_MAX_PAGE_SIZE is 1000).
PAGE_SIZE = 500

OUTPUTS_QUERY = """
query HubqlJobflowOutputs($filter: Filter, $first: Int, $after: String) {
  jobs(filter: $filter, orderBy: [{ field: DB_ID, direction: ASC }], first: $first, after: $after) {
    edges { node { uuid index name metadata hosts endTime outputJson } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass(frozen=True)
class StoredOutput:
    """One JobStoreDocument as hubql keeps it: a COMPLETED job row and its output."""

    uuid: str
    index: int
    name: str
    metadata: dict[str, Any]
    hosts: list[str]
    completed_at: str | None
    output: Any

    def as_store_document(self) -> dict[str, Any]:
        """The document ``Job.run`` wrote (``JobStoreDocument``), ready for ``docs_store.update``."""
        return {
            "uuid": self.uuid,
            "index": self.index,
            "output": self.output,
            "completed_at": self.completed_at,
            "metadata": self.metadata,
            "hosts": self.hosts,
            "name": self.name,
        }


Fetch = Callable[[Iterable[str]], list[StoredOutput]]


def fetch_outputs(client: HubqlClient, uuids: Iterable[str]) -> list[StoredOutput]:
    """Every COMPLETED row (any index) of the given uuids, in any flow (external references resolve too).

    Reads ``Job.outputJson``, the exact JSON text the completing worker sent.
    """
    wanted = sorted(set(uuids))
    found: list[StoredOutput] = []
    for start in range(0, len(wanted), UUIDS_PER_REQUEST):
        chunk = wanted[start : start + UUIDS_PER_REQUEST]
        after: str | None = None
        while True:
            data = client.execute(
                OUTPUTS_QUERY,
                {"filter": {"uuid": {"$in": chunk}, "state": "COMPLETED"}, "first": PAGE_SIZE, "after": after},
            )
            page = data["jobs"]
            for edge in page["edges"]:
                node = edge["node"]
                text = node.get("outputJson")
                found.append(
                    StoredOutput(
                        uuid=node["uuid"],
                        index=int(node["index"]),
                        name=node["name"],
                        metadata=dict(node.get("metadata") or {}),
                        hosts=list(node.get("hosts") or []),
                        completed_at=node.get("endTime"),
                        output=None if text is None else json.loads(text),
                    )
                )
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    return found


def load_closure(job_document: dict[str, Any], fetch: Fetch) -> list[StoredOutput]:
    """The outputs a job's references need, transitively.

    Only ``function_args``/``function_kwargs`` are searched, as ``Job.resolve_args`` does; a job with
    ``config.resolve_references`` false resolves nothing and needs nothing.
    """
    config = job_document.get("config") or {}
    if not config.get("resolve_references", True):
        return []
    return fetch_closure(
        reference_uuids([job_document.get("function_args"), job_document.get("function_kwargs")]), fetch
    )


def fetch_closure(uuids: Iterable[str], fetch: Fetch) -> list[StoredOutput]:
    """The stored outputs of ``uuids`` and, repeatedly, of every uuid referenced inside those outputs."""
    pending = set(uuids)
    seen: set[str] = set()
    outputs: list[StoredOutput] = []
    while pending:
        seen |= pending
        batch = fetch(pending)
        outputs.extend(batch)
        # Only the highest index is ever read (which="last"); follow the references of that one per uuid.
        latest: dict[str, StoredOutput] = {}
        for stored in batch:
            if stored.uuid not in latest or stored.index > latest[stored.uuid].index:
                latest[stored.uuid] = stored
        pending = reference_uuids([stored.output for stored in latest.values()]) - seen
    return outputs


def build_store(outputs: Iterable[StoredOutput]) -> JobStore:
    """A connected JobStore over maggma MemoryStores, as ``run_locally``'s default ``SETTINGS.JOB_STORE``.

    Additional stores (a job's ``data=True`` and friends) are created on demand, as jobflow's default store does.
    Outputs from hubql carry their additional-store data inline (the completing worker loaded it), so references
    resolve to the same values as in the store the output was first written to.
    """
    store = JobStore(MemoryStore(), additional_stores=defaultdict(_connected_memory_store))
    store.connect()
    documents = [stored.as_store_document() for stored in outputs]
    if documents:
        store.docs_store.update(documents, key=["uuid", "index"])
    return store


def _connected_memory_store() -> MemoryStore:
    store = MemoryStore()
    store.connect()
    return store
