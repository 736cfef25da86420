"""Agent state (``/v1/state``): durable, versioned key-value state per agent, for hand-offs."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional

from ..errors import SwitchyardError
from ..records import Page, Record
from ..transport import path
from ._base import Resource, page_of, paginate

_MISSING: Any = object()


class State(Resource):
    """Set, get, delete and list an agent's state. An agent writes its own state; any agent may read
    another's, unless a policy says otherwise.

    Example::

        agent_a.state.set(agent_id="pipeline-agent-a", key="phase1_output", value={"output_table": "t"})
        phase1 = agent_b.state.get(agent_id="pipeline-agent-a", key="phase1_output")
        phase1["output_table"]  # the value itself (phase1.output_table works too)
    """

    def set(self, agent_id: str, key: str, value: Any, *, expected_version: Optional[int] = None) -> Record:
        """Writes a value (any JSON up to 1 MiB): ``PUT /v1/state/{agent_id}/{key}`` → ``{agent_id, key,
        value, version, updated_at}``. With ``expected_version`` the write happens only if the key is at
        that version (0: only if unset), else ``conflict`` (409)."""
        body: Dict[str, Any] = {"value": value}
        if expected_version is not None:
            body["expected_version"] = expected_version
        # A plain write may be repeated after a lost answer; a compare-and-set may not, as a repeat of a
        # write that did land would fail with a conflict.
        return self._t.request("PUT", path("/v1/state/{}/{}", agent_id, key), body=body, replayable=expected_version is None)

    def get(self, agent_id: str, key: str, default: Any = _MISSING) -> Any:
        """The value itself (a dict comes back as a :class:`Record`): ``GET /v1/state/{agent_id}/{key}``.

        An unset key raises ``not_found`` (404), or returns ``default`` when one is given. Use
        :meth:`get_entry` for the version and time too.
        """
        try:
            return self.get_entry(agent_id, key).value
        except SwitchyardError as err:
            if default is not _MISSING and err.status == 404 and err.code == "not_found":
                return default
            raise

    def get_entry(self, agent_id: str, key: str) -> Record:
        """The stored entry ``{agent_id, key, value, version, updated_at}``: ``GET /v1/state/{agent_id}/{key}``."""
        return self._t.request("GET", path("/v1/state/{}/{}", agent_id, key))

    def delete(self, agent_id: str, key: str, *, expected_version: Optional[int] = None) -> Record:
        """Unsets a key: ``DELETE /v1/state/{agent_id}/{key}``, optionally only at ``expected_version``."""
        return self._t.request("DELETE", path("/v1/state/{}/{}", agent_id, key), query={"expected_version": expected_version})

    def list(self, agent_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of an agent's keys (their versions and sizes, not values), in key order: ``GET /v1/state/{agent_id}``."""
        return page_of(self._t.request("GET", path("/v1/state/{}", agent_id), query={"limit": limit, "cursor": cursor}))

    def list_all(self, agent_id: str, *, limit: Optional[int] = None) -> Iterator[Record]:
        """Every key of an agent's state, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(agent_id, limit=limit, cursor=cursor))
