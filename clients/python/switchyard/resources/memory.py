"""Shared memory (``/v1/memory``): namespaced semantic memory, searched by meaning and keywords."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, page_of, paginate


class Memory(Resource):
    """Store, search, read, list, delete and clean up memories.

    ``agent_id`` is the namespace: an agent's own id is its private namespace; any other name (e.g.
    ``shared-knowledge-base``) is a shared namespace governed by policy.

    Example::

        agent_a.memory.store(agent_id="shared-knowledge-base", content="Enterprise LTV is 42% higher.")
        for r in agent_b.memory.search(agent_id="shared-knowledge-base", query="highest LTV segment?", top_k=5):
            print(f"[{r.score:.2f}] {r.content}")
    """

    def store(
        self,
        agent_id: str,
        content: str,
        metadata: Optional[Dict[str, Any]] = None,
        *,
        memory_type: Optional[str] = None,
        importance: Optional[float] = None,
        ttl_seconds: Optional[int] = None,
        idempotency_key: Optional[str] = None,
    ) -> Record:
        """Stores a memory in a namespace: ``POST /v1/memory`` → the memory (``memory_id``, ...).

        ``memory_type``: ``fact`` (default), ``observation``, ``instruction``, ``preference`` or
        ``episode``; ``importance`` 0..1 (default 0.5); ``ttl_seconds`` makes it expire.
        """
        body = fields(agent_id=agent_id, content=content, metadata=metadata, memory_type=memory_type, importance=importance, ttl_seconds=ttl_seconds)
        return self._t.request("POST", "/v1/memory", body=body, creates=True, idempotency_key=idempotency_key)

    def store_batch(self, memories: Sequence[Dict[str, Any]], *, idempotency_key: Optional[str] = None) -> List[Record]:
        """Stores up to 100 memories at once, all or none: ``POST /v1/memory/batch``. Each memory is a
        dict of :meth:`store`'s fields. Returns the stored memories in the order sent."""
        answer = self._t.request("POST", "/v1/memory/batch", body={"memories": list(memories)}, creates=True, idempotency_key=idempotency_key)
        return list(answer["items"])

    def search(
        self,
        agent_id: Union[str, Sequence[str]],
        query: str,
        top_k: Optional[int] = None,
        *,
        filter: Optional[Dict[str, Any]] = None,
        min_score: Optional[float] = None,
        min_importance: Optional[float] = None,
        memory_type: Optional[str] = None,
        mode: Optional[str] = None,
    ) -> List[Record]:
        """Searches one namespace (or a list of them), best first: ``POST /v1/memory/search``.

        Returns the results as a list; each has ``memory_id``, ``content``, ``metadata``, ``score``
        (0..1, higher is better) and the memory's other fields. ``filter`` matches metadata
        (``{"topic": "x"}`` or ``{"confidence": {"$gte": 0.9}}``); ``mode`` is ``hybrid`` (default),
        ``vector`` or ``keyword``; ``top_k`` defaults to 10 (at most 100).
        """
        namespaces: Union[str, List[str]] = agent_id if isinstance(agent_id, str) else list(agent_id)
        body = fields(
            agent_id=namespaces, query=query, top_k=top_k, filter=filter, min_score=min_score,
            min_importance=min_importance, memory_type=memory_type, mode=mode,
        )
        # A search reads only, so it is as safe to repeat as a GET.
        answer = self._t.request("POST", "/v1/memory/search", body=body, replayable=True)
        return list(answer["results"])

    def get(self, memory_id: str) -> Record:
        """``GET /v1/memory/{memory_id}``; ``not_found`` (404) when it does not exist or has expired."""
        return self._t.request("GET", path("/v1/memory/{}", memory_id))

    def delete(self, memory_id: str) -> Record:
        """Deletes a memory: ``DELETE /v1/memory/{memory_id}``."""
        return self._t.request("DELETE", path("/v1/memory/{}", memory_id))

    def list(self, agent_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None, memory_type: Optional[str] = None) -> "Page[Record]":
        """One page of a namespace's memories, newest first: ``GET /v1/memory?agent_id=``."""
        return page_of(self._t.request("GET", "/v1/memory", query={"agent_id": agent_id, "limit": limit, "cursor": cursor, "memory_type": memory_type}))

    def list_all(self, agent_id: str, *, limit: Optional[int] = None, memory_type: Optional[str] = None) -> Iterator[Record]:
        """Every memory of a namespace, fetching pages (of ``limit``) as the loop goes."""
        return paginate(lambda cursor: self.list(agent_id, limit=limit, cursor=cursor, memory_type=memory_type))

    def cleanup(self, agent_id: str, min_importance: float, *, older_than_seconds: Optional[int] = None) -> Record:
        """Removes the namespace's memories below ``min_importance`` (optionally only those older than
        ``older_than_seconds``): ``POST /v1/memory/cleanup`` → ``{deleted}``."""
        body = fields(agent_id=agent_id, min_importance=min_importance, older_than_seconds=older_than_seconds)
        # Repeating a cleanup removes nothing more, so a lost answer may be retried (the repeat reports 0).
        return self._t.request("POST", "/v1/memory/cleanup", body=body, replayable=True)
