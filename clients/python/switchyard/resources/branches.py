"""Branches (``/v1/branches``): copy-on-write sandboxes of the SQL data layer."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Sequence

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, page_of, paginate


class Branches(Resource):
    """Create a branch, write and query it without touching main, review its diff, then merge it (all or
    nothing) or discard it.

    Example::

        branch = agent_a.branches.create(label="q1-forecast-experiment")
        agent_a.branches.write(branch_id=branch.branch_id, table="revenue_forecast", rows=[{"period": "2026-Q1"}])
        preview = agent_b.branches.query(branch_id=branch.branch_id, sql="SELECT * FROM revenue_forecast")
        agent_c.branches.merge(branch_id=branch.branch_id, strategy="branch_wins")
    """

    def create(self, label: str, description: Optional[str] = None, ttl_seconds: Optional[int] = None, *, idempotency_key: Optional[str] = None) -> Record:
        """Creates a branch (copying nothing): ``POST /v1/branches`` → ``{branch_id, label, status: "open", ...}``.
        ``ttl_seconds``: discarded by itself after this long (default: the deployment's)."""
        body = fields(label=label, description=description, ttl_seconds=ttl_seconds)
        return self._t.request("POST", "/v1/branches", body=body, creates=True, idempotency_key=idempotency_key)

    def get(self, branch_id: str) -> Record:
        """``GET /v1/branches/{branch_id}``."""
        return self._t.request("GET", path("/v1/branches/{}", branch_id))

    def list(self, *, status: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of branches, oldest first (optionally of one ``status``): ``GET /v1/branches``."""
        return page_of(self._t.request("GET", "/v1/branches", query={"status": status, "limit": limit, "cursor": cursor}))

    def list_all(self, *, status: Optional[str] = None, limit: Optional[int] = None) -> Iterator[Record]:
        """Every branch (optionally of one status), fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(status=status, limit=limit, cursor=cursor))

    def write(self, branch_id: str, table: str, rows: Sequence[Dict[str, Any]], mode: Optional[str] = None) -> Record:
        """Writes rows into a table of the branch: ``POST /v1/branches/{branch_id}/write`` → ``{table, written}``.
        ``mode``: ``insert`` (default) or ``upsert`` (by primary key). A table that exists nowhere is
        created from the rows' keys and JSON types."""
        body = fields(table=table, rows=list(rows), mode=mode)
        # An upsert repeated after a lost answer writes the same rows again; an insert would report a duplicate key.
        return self._t.request("POST", path("/v1/branches/{}/write", branch_id), body=body, replayable=mode == "upsert")

    def query(self, branch_id: str, sql: str, params: Optional[Sequence[Any]] = None) -> Record:
        """Runs one SQL statement against the branch's view (main as the branch first saw each table, plus
        its own changes): ``POST /v1/branches/{branch_id}/query`` → ``{columns, rows, row_count, ...}``."""
        body = fields(sql=sql, params=None if params is None else list(params))
        return self._t.request("POST", path("/v1/branches/{}/query", branch_id), body=body)

    def diff(self, branch_id: str) -> Record:
        """What the branch changed (per table: rows added, changed, deleted) and the conflicts a merge
        would meet now: ``GET /v1/branches/{branch_id}/diff``."""
        return self._t.request("GET", path("/v1/branches/{}/diff", branch_id))

    def merge(self, branch_id: str, strategy: str, resolutions: Optional[Sequence[Dict[str, Any]]] = None) -> Record:
        """Merges the branch into main, all or nothing: ``POST /v1/branches/{branch_id}/merge`` →
        ``{status: "merged" | "conflicted", applied, conflicts}``. ``strategy``: ``branch_wins``,
        ``main_wins`` or ``manual`` (with ``resolutions`` ``[{table, key, take}]`` to settle conflicts)."""
        body = fields(strategy=strategy, resolutions=None if resolutions is None else list(resolutions))
        return self._t.request("POST", path("/v1/branches/{}/merge", branch_id), body=body)

    def discard(self, branch_id: str) -> Record:
        """Discards the branch and everything written on it: ``POST /v1/branches/{branch_id}/discard``."""
        return self._t.request("POST", path("/v1/branches/{}/discard", branch_id))
