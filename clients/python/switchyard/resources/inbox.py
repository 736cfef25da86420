"""Agent inboxes (``/v1/inbox``): trigger notifications, direct messages and workflow tasks."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Union

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, item_ids, page_of, paginate

# A long poll is answered only once its wait is over: each attempt gets that long plus this margin.
LONG_POLL_MARGIN = 30.0


class Inbox(Resource):
    """Poll, ack, send and read history. Only the agent itself (or an admin) reads its inbox; any agent
    may send to it.

    Example::

        for notif in agent_b.inbox.poll(agent_id="agent-b", limit=10):
            mem = agent_b.memory.get(memory_id=notif.source_memory_id)
    """

    def poll(
        self,
        agent_id: str,
        limit: Optional[int] = None,
        *,
        wait_seconds: Optional[int] = None,
        lease_seconds: Optional[int] = None,
        kind: Optional[str] = None,
    ) -> List[Record]:
        """The oldest items, as a list: ``GET /v1/inbox/{agent_id}``.

        Each item has ``item_id``, ``kind`` (``notification``, ``message`` or ``task``),
        ``created_at`` and the fields of its kind: a notification's ``trigger_id``, ``trigger_name``,
        ``source_memory_id``, ``agent_id`` (the memory's namespace) and ``score``; a message's
        ``from_agent_id``, ``type`` and ``body``; a task's ``task_id``, ``run_id``, ``input``, ...

        Without ``lease_seconds`` the items returned are delivered and never returned again; with it
        they come back after the lease unless acked (:meth:`ack`). ``wait_seconds`` (≤ 30) holds the
        request open until an item arrives. ``kind`` returns only items of that kind. ``limit``: 1-100,
        default 10.
        """
        timeout = max(self._t.timeout, wait_seconds + LONG_POLL_MARGIN) if wait_seconds else None
        answer = self._t.request(
            "GET",
            path("/v1/inbox/{}", agent_id),
            query={"limit": limit, "wait_seconds": wait_seconds, "lease_seconds": lease_seconds, "kind": kind},
            timeout=timeout,
        )
        return list(answer["items"])

    def ack(self, agent_id: str, item_ids_or_items: Iterable[Union[str, Dict[str, Any]]]) -> Record:
        """Acks leased items (ids, or the items themselves), which are then delivered:
        ``POST /v1/inbox/{agent_id}/ack`` → ``{acked, unknown}``."""
        ids = item_ids(item_ids_or_items)
        # Acking again does no harm (a repeat reports the ids as unknown).
        return self._t.request("POST", path("/v1/inbox/{}/ack", agent_id), body={"item_ids": ids}, replayable=True)

    def send(self, agent_id: str, body: Any, type: Optional[str] = None, *, idempotency_key: Optional[str] = None) -> Record:
        """Sends a direct message from this client's agent to ``agent_id``'s inbox:
        ``POST /v1/inbox/{agent_id}/messages``. ``body`` is any JSON; ``type`` (default ``message``)
        lets the receiver dispatch on it."""
        payload = fields(type=type)
        payload["body"] = body
        return self._t.request("POST", path("/v1/inbox/{}/messages", agent_id), body=payload, creates=True, idempotency_key=idempotency_key)

    def send_batch(self, agent_id: str, messages: Sequence[Dict[str, Any]], *, idempotency_key: Optional[str] = None) -> List[Record]:
        """Sends 1-100 messages (``{"body": ..., "type": ...}``) in order, all or none:
        ``POST /v1/inbox/{agent_id}/messages/batch``. Returns the delivered messages."""
        answer = self._t.request(
            "POST", path("/v1/inbox/{}/messages/batch", agent_id), body={"messages": list(messages)}, creates=True, idempotency_key=idempotency_key
        )
        return list(answer["items"])

    def history(self, agent_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of delivered items, most recently delivered first: ``GET /v1/inbox/{agent_id}/history``."""
        return page_of(self._t.request("GET", path("/v1/inbox/{}/history", agent_id), query={"limit": limit, "cursor": cursor}))

    def history_all(self, agent_id: str, *, limit: Optional[int] = None) -> Iterator[Record]:
        """Every delivered item the inbox keeps, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.history(agent_id, limit=limit, cursor=cursor))
