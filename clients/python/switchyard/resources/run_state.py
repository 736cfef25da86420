"""A shared-state run's state (``/v1/runs/{run_id}/state``): ``client.runs.state``."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, List, Optional, Union

from ..records import Record
from ..transport import path
from ._base import Resource

Time = Union[str, _dt.datetime]


class RunState(Resource):
    """Read and write one run's shared state, under the workflow's conflict resolution.

    ``client.runs.state(run_id)`` is :meth:`all`. An agent writes only the keys its workflow lists in its
    ``writes`` and reads its ``reads`` and ``writes`` (403 otherwise); admins and readers read everything.

    Example::

        client.runs.state.set(run_id, "revenue_by_region", {"emea": 4.2e6})
        client.runs.state.get(run_id, "revenue_by_region").value      # {"emea": 4200000.0}
        client.runs.state.all(run_id, at="2026-11-21T10:00:00Z")      # the state as it was then
        [w.value for w in client.runs.state.history(run_id, "revenue_by_region")]
    """

    def __call__(self, run_id: str, *, at: Optional[Time] = None) -> Record:
        return self.all(run_id, at=at)

    def all(self, run_id: str, *, at: Optional[Time] = None) -> Record:
        """Every key ``{key: {value, version, written_by, updated_at}}``, now or as it was ``at`` a time
        (the state inspector): ``GET /v1/runs/{run_id}/state``."""
        return self._t.request("GET", path("/v1/runs/{}/state", run_id), query={"at": at})

    def get(self, run_id: str, key: str) -> Record:
        """One key ``{value, version, written_by, updated_at}``: ``GET /v1/runs/{run_id}/state/{key}``
        (``not_found``, 404, before its first write)."""
        return self._t.request("GET", path("/v1/runs/{}/state/{}", run_id, key))

    def set(self, run_id: str, key: str, value: Any, *, expected_version: Optional[int] = None) -> Record:
        """Writes one key: ``PUT /v1/runs/{run_id}/state/{key}`` → ``{value, version, written_by,
        updated_at}``. Under ``version-check`` pass ``expected_version`` (0 for a new key); under
        ``first-write-wins`` a second write is ``conflict`` (409).

        Not resent after a lost answer: under ``append`` a repeat would append twice, under
        ``first-write-wins`` it would report a conflict."""
        body: Dict[str, Any] = {"value": value}
        if expected_version is not None:
            body["expected_version"] = expected_version
        return self._t.request("PUT", path("/v1/runs/{}/state/{}", run_id, key), body=body, replayable=False)

    def history(self, run_id: str, key: str) -> List[Record]:
        """Every write of one key, oldest first: ``GET /v1/runs/{run_id}/state/{key}/history``."""
        answer = self._t.request("GET", path("/v1/runs/{}/state/{}/history", run_id, key))
        return list(answer["items"])
