"""The chain-of-thought ledger (``/v1/cot``): append-only, hash-chained reasoning steps per session."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, page_of, paginate


class Cot(Resource):
    """Log steps, read them, list sessions and verify a session's chain.

    Example::

        agent.cot.log(session_id="run-42", step_type="decision", content="Escalate INV-20931.")
        result = supervisor.cot.verify_chain(session_id="run-42")
        if not result.chain_intact:
            print(result.broken_links)  # [{step_index, reason}]
    """

    def log(
        self,
        session_id: str,
        step_type: str,
        content: str,
        *,
        input_data: Any = None,
        output_data: Any = None,
        importance: Optional[float] = None,
        metadata: Optional[Dict[str, Any]] = None,
        idempotency_key: Optional[str] = None,
    ) -> Record:
        """Appends a step to its session (opening it at step 0): ``POST /v1/cot`` → ``{session_id,
        step_index, hash, prev_hash, logged_at}``. ``step_type``: ``observation``, ``hypothesis``,
        ``analysis``, ``decision``, ``action``, ``reflection``, ``planning``, ``evaluation``,
        ``retrieval``, ``synthesis``, ``delegation`` or ``error``."""
        body = fields(
            session_id=session_id, step_type=step_type, content=content, input_data=input_data,
            output_data=output_data, importance=importance, metadata=metadata,
        )
        return self._t.request("POST", "/v1/cot", body=body, creates=True, idempotency_key=idempotency_key)

    def log_batch(self, session_id: str, steps: Sequence[Dict[str, Any]], *, idempotency_key: Optional[str] = None) -> Record:
        """Appends up to 100 steps (dicts of :meth:`log`'s fields, without ``session_id``) consecutively,
        all or none: ``POST /v1/cot/{session_id}/steps``."""
        return self._t.request("POST", path("/v1/cot/{}/steps", session_id), body={"steps": list(steps)}, creates=True, idempotency_key=idempotency_key)

    def get(self, session_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> Record:
        """One page of a session's steps, in index order: ``GET /v1/cot/{session_id}`` → ``{steps, next_cursor}``."""
        return self._t.request("GET", path("/v1/cot/{}", session_id), query={"limit": limit, "cursor": cursor})

    def steps(self, session_id: str) -> List[Record]:
        """Every step of a session, in index order, as a list (fetched in pages of 1,000)."""
        return list(self.iter_steps(session_id))

    def iter_steps(self, session_id: str, *, limit: int = 1000) -> Iterator[Record]:
        """Every step of a session, fetching pages as the loop goes (for sessions too long to hold)."""

        def fetch(cursor: Optional[str]) -> "Page[Record]":
            answer = self.get(session_id, limit=limit, cursor=cursor)
            return Page(answer["steps"], answer.get("next_cursor"))

        return paginate(fetch)

    def verify_chain(self, session_id: str) -> Record:
        """Recomputes and checks the session's whole chain: ``POST /v1/cot/{session_id}/verify`` →
        ``{session_id, chain_intact, entries_checked, broken_links: [{step_index, reason}]}``."""
        # Verification reads only, so a lost answer may be asked again.
        return self._t.request("POST", path("/v1/cot/{}/verify", session_id), replayable=True)

    verify = verify_chain

    def sessions(
        self,
        *,
        agent_id: Optional[str] = None,
        since: Union[str, _dt.datetime, None] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> "Page[Record]":
        """One page of sessions (optionally one agent's, active since a time): ``GET /v1/cot``."""
        return page_of(self._t.request("GET", "/v1/cot", query={"agent_id": agent_id, "since": since, "limit": limit, "cursor": cursor}))

    def sessions_all(self, *, agent_id: Optional[str] = None, since: Union[str, _dt.datetime, None] = None, limit: Optional[int] = None) -> Iterator[Record]:
        """Every session matching, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.sessions(agent_id=agent_id, since=since, limit=limit, cursor=cursor))
