"""Administration: agents and their keys, policies, and webhook deliveries (admin token or admin role)."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Sequence

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, page_of, paginate


class AgentKeys(Resource):
    """An agent's API keys (``/v1/agents/{agent_id}/keys``)."""

    def create(self, agent_id: str, *, idempotency_key: Optional[str] = None) -> Record:
        """Issues a key: ``POST /v1/agents/{agent_id}/keys`` → ``{key_id, api_key}``. Keep ``api_key``:
        it is never shown again (only its hash is stored)."""
        return self._t.request("POST", path("/v1/agents/{}/keys", agent_id), creates=True, idempotency_key=idempotency_key)

    def list(self, agent_id: str) -> "Page[Record]":
        """The agent's keys, revoked ones included, without their secrets."""
        return page_of(self._t.request("GET", path("/v1/agents/{}/keys", agent_id)))

    def revoke(self, agent_id: str, key_id: str) -> Record:
        """Revokes a key at once: ``DELETE /v1/agents/{agent_id}/keys/{key_id}``."""
        return self._t.request("DELETE", path("/v1/agents/{}/keys/{}", agent_id, key_id))


class Agents(Resource):
    """Agents (``/v1/agents``): roles ``agent`` (reads and writes), ``reader`` (reads only: a
    supervisor) and ``admin``; ``attributes`` are free JSON that policies can test."""

    def __init__(self, transport: Any) -> None:
        super().__init__(transport)
        self.keys = AgentKeys(transport)

    def create(
        self,
        agent_id: str,
        role: Optional[str] = None,
        *,
        attributes: Optional[Dict[str, Any]] = None,
        description: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Record:
        """Registers an agent: ``POST /v1/agents``; a taken ``agent_id`` is ``conflict`` (409)."""
        body = fields(agent_id=agent_id, role=role, attributes=attributes, description=description)
        return self._t.request("POST", "/v1/agents", body=body, creates=True, idempotency_key=idempotency_key)

    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of agents, by ``agent_id``: ``GET /v1/agents``."""
        return page_of(self._t.request("GET", "/v1/agents", query={"limit": limit, "cursor": cursor}))

    def list_all(self, *, limit: Optional[int] = None) -> Iterator[Record]:
        """Every agent, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(limit=limit, cursor=cursor))

    def get(self, agent_id: str) -> Record:
        """``GET /v1/agents/{agent_id}``."""
        return self._t.request("GET", path("/v1/agents/{}", agent_id))

    def update(self, agent_id: str, *, role: Optional[str] = None, attributes: Optional[Dict[str, Any]] = None, description: Optional[str] = None) -> Record:
        """Changes an agent's role, attributes or description: ``PATCH /v1/agents/{agent_id}``."""
        body = fields(role=role, attributes=attributes, description=description)
        # The same changes sent twice leave the same agent.
        return self._t.request("PATCH", path("/v1/agents/{}", agent_id), body=body, replayable=True)

    def delete(self, agent_id: str) -> Record:
        """Deletes an agent, its keys and its state: ``DELETE /v1/agents/{agent_id}``."""
        return self._t.request("DELETE", path("/v1/agents/{}", agent_id))


class Policies(Resource):
    """ABAC policies (``/v1/policies``, admin). A matching deny wins over any allow; where none matches,
    the role defaults apply.

    Example (the seed's write restriction on a shared namespace)::

        admin.policies.create(
            policy_id="only-agent-a-writes-kb", effect="deny", actions=["memory:write"],
            resources=["memory:shared-knowledge-base"], condition='subject.agent_id != "agent-a"',
        )
    """

    def create(
        self,
        effect: str,
        actions: Sequence[str],
        resources: Sequence[str],
        *,
        policy_id: Optional[str] = None,
        description: Optional[str] = None,
        principals: Optional[Sequence[str]] = None,
        condition: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Record:
        """Creates a policy: ``POST /v1/policies``. ``condition`` is CEL over ``subject``, ``resource``,
        ``action`` and ``context``."""
        body = fields(
            policy_id=policy_id, description=description, effect=effect, actions=list(actions), resources=list(resources),
            principals=None if principals is None else list(principals), condition=condition,
        )
        return self._t.request("POST", "/v1/policies", body=body, creates=True, idempotency_key=idempotency_key)

    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of policies, by ``policy_id``."""
        return page_of(self._t.request("GET", "/v1/policies", query={"limit": limit, "cursor": cursor}))

    def list_all(self, *, limit: Optional[int] = None) -> Iterator[Record]:
        """Every policy, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(limit=limit, cursor=cursor))

    def get(self, policy_id: str) -> Record:
        """``GET /v1/policies/{policy_id}``."""
        return self._t.request("GET", path("/v1/policies/{}", policy_id))

    def delete(self, policy_id: str) -> Record:
        """Deletes a policy: ``DELETE /v1/policies/{policy_id}``."""
        return self._t.request("DELETE", path("/v1/policies/{}", policy_id))


class Webhooks(Resource):
    """Webhook deliveries: what was sent, what failed, and sending a dead one again."""

    def deliveries(
        self, *, status: Optional[str] = None, trigger_id: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> "Page[Record]":
        """One page of deliveries, newest first: ``GET /v1/webhooks/deliveries`` (``status``: ``pending``,
        ``failed``, ``succeeded`` or ``dead``)."""
        query = {"status": status, "trigger_id": trigger_id, "limit": limit, "cursor": cursor}
        return page_of(self._t.request("GET", "/v1/webhooks/deliveries", query=query))

    def replay(self, delivery_id: str) -> Record:
        """Sends a delivery again (same body and event id, new signature): ``POST /v1/webhooks/deliveries/{id}/replay``."""
        return self._t.request("POST", path("/v1/webhooks/deliveries/{}/replay", delivery_id))
