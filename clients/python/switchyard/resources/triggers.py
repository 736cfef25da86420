"""Semantic triggers (``/v1/triggers``): a concept, a threshold and an action, matched against every
memory stored afterwards."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Sequence

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, page_of, paginate


class Triggers(Resource):
    """Register, list, read, change, delete and test semantic triggers.

    Example::

        coordinator.triggers.register(
            name="new-segment-analysis",
            concept="customer segment lifetime value LTV churn analysis",
            threshold=0.85,
            action={"type": "agent_notify", "target_agent_id": "agent-b"},
            cooldown_seconds=60,
        )
    """

    def register(
        self,
        name: str,
        concept: str,
        threshold: float,
        action: Dict[str, Any],
        description: Optional[str] = None,
        cooldown_seconds: Optional[int] = None,
        namespaces: Optional[Sequence[str]] = None,
        *,
        idempotency_key: Optional[str] = None,
    ) -> Record:
        """Registers a trigger: ``POST /v1/triggers`` → the trigger (``trigger_id``, ..., ``enabled``).

        ``threshold`` is a cosine similarity in 0..1 between a stored memory and ``concept``.
        ``action``: ``{"type": "agent_notify", "target_agent_id": ...}``, ``{"type": "webhook", "url":
        ..., "secret": ...}`` or ``{"type": "write_event"}``. ``cooldown_seconds``: after firing, the
        trigger stays quiet this long. ``namespaces``: only memories stored there (default: all).
        """
        body = fields(
            name=name, concept=concept, threshold=threshold, action=action, description=description,
            cooldown_seconds=cooldown_seconds, namespaces=None if namespaces is None else list(namespaces),
        )
        return self._t.request("POST", "/v1/triggers", body=body, creates=True, idempotency_key=idempotency_key)

    create = register

    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of triggers, oldest first: ``GET /v1/triggers``."""
        return page_of(self._t.request("GET", "/v1/triggers", query={"limit": limit, "cursor": cursor}))

    def list_all(self, *, limit: Optional[int] = None) -> Iterator[Record]:
        """Every trigger, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(limit=limit, cursor=cursor))

    def get(self, trigger_id: str) -> Record:
        """``GET /v1/triggers/{trigger_id}``."""
        return self._t.request("GET", path("/v1/triggers/{}", trigger_id))

    def update(self, trigger_id: str, **changes: Any) -> Record:
        """Changes some of a trigger's fields (its creator or an admin): ``PATCH /v1/triggers/{trigger_id}``,
        e.g. ``update(tid, threshold=0.7, enabled=False)``. A new webhook action carries its secret again."""
        # Setting the same fields again changes nothing more: safe to repeat.
        return self._t.request("PATCH", path("/v1/triggers/{}", trigger_id), body=changes, replayable=True)

    def delete(self, trigger_id: str) -> Record:
        """Deletes a trigger (its creator or an admin): ``DELETE /v1/triggers/{trigger_id}``."""
        return self._t.request("DELETE", path("/v1/triggers/{}", trigger_id))

    def test(self, trigger_id: str, content: str) -> Record:
        """Scores ``content`` against the trigger without storing anything:
        ``POST /v1/triggers/{trigger_id}/test`` → ``{matched, score, threshold, trigger_name}``."""
        return self._t.request("POST", path("/v1/triggers/{}/test", trigger_id), body={"content": content}, replayable=True)
