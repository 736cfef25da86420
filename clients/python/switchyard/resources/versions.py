"""Agent versions, the agent catalog (``/v1/agents/{agent_id}/versions``)."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Sequence

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, page_of, paginate


class Versions(Resource):
    """Publish, list, read, deprecate, promote and resolve an agent's semver versions. Published versions
    are immutable; a run resolves every reference once, when it starts.

    Example::

        client.versions.publish("revenue-analyst", "1.3.0", description="new forecast model")
        client.versions.resolve("revenue-analyst", "^1.2").version   # "1.3.0"
    """

    def publish(
        self,
        agent_id: str,
        version: str,
        *,
        description: Optional[str] = None,
        endpoint: Optional[str] = None,
        config: Optional[Dict[str, Any]] = None,
        input_schema: Optional[Dict[str, Any]] = None,
        output_schema: Optional[Dict[str, Any]] = None,
        tags: Optional[Sequence[str]] = None,
        guard_rails: Optional[Dict[str, Any]] = None,
        idempotency_key: Optional[str] = None,
    ) -> Record:
        """Publishes a version (the agent itself or an admin): ``POST /v1/agents/{agent_id}/versions``.
        ``version`` is semver 2.0 (``1.3.0``, ``1.3.0-beta``); an existing one is ``conflict`` (409).
        With ``endpoint`` its tasks are POSTed there instead of to the agent's inbox."""
        body = fields(
            version=version, description=description, endpoint=endpoint, config=config, input_schema=input_schema,
            output_schema=output_schema, tags=None if tags is None else list(tags), guard_rails=guard_rails,
        )
        return self._t.request("POST", path("/v1/agents/{}/versions", agent_id), body=body, creates=True, idempotency_key=idempotency_key)

    def list(self, agent_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of the agent's versions, highest first: ``GET /v1/agents/{agent_id}/versions``."""
        return page_of(self._t.request("GET", path("/v1/agents/{}/versions", agent_id), query={"limit": limit, "cursor": cursor}))

    def list_all(self, agent_id: str, *, limit: Optional[int] = None) -> Iterator[Record]:
        """Every version of the agent, highest first, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(agent_id, limit=limit, cursor=cursor))

    def get(self, agent_id: str, version: str) -> Record:
        """``GET /v1/agents/{agent_id}/versions/{version}``."""
        return self._t.request("GET", path("/v1/agents/{}/versions/{}", agent_id, version))

    def deprecate(self, agent_id: str, version: str, reason: Optional[str] = None) -> Record:
        """Deprecates a version: runs and workflow revisions that pinned it keep it; new pins are refused.
        ``POST /v1/agents/{agent_id}/versions/{version}/deprecate``."""
        return self._t.request("POST", path("/v1/agents/{}/versions/{}/deprecate", agent_id, version), body=fields(reason=reason), replayable=True)

    def promote(self, agent_id: str, version: str) -> Record:
        """Makes this version what ``latest`` resolves to (also a rollback: promote the earlier one):
        ``POST /v1/agents/{agent_id}/versions/{version}/promote``."""
        return self._t.request("POST", path("/v1/agents/{}/versions/{}/promote", agent_id, version), replayable=True)

    def resolve(self, agent_id: str, ref: str = "latest") -> Record:
        """The version a reference resolves to now (an exact version, ``latest`` or a semver range such
        as ``^1.2``): ``GET /v1/agents/{agent_id}/versions/resolve?ref=``."""
        return self._t.request("GET", path("/v1/agents/{}/versions/resolve", agent_id), query={"ref": ref})

    def endpoint_secret(self, agent_id: str) -> Record:
        """The key that signs tasks POSTed to the agent's versions with an ``endpoint`` (the agent itself
        or an admin): ``GET /v1/agents/{agent_id}/endpoint-secret`` → ``{agent_id, secret, algorithm,
        signed}``: ``X-Switchyard-Signature`` on such a task is the HMAC-SHA256, under ``secret``, of the
        ``X-Switchyard-Timestamp`` header, a dot and the raw body. The key is read, never stored."""
        return self._t.request("GET", path("/v1/agents/{}/endpoint-secret", agent_id))
