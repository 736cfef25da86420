"""The client: one object per deployment and key, with one attribute per API resource."""

from __future__ import annotations

import os
import re
from typing import Any, Dict, Optional, Sequence

from .records import Record
from .resources import (
    AbTests, Agents, Branches, Cot, Events, EventTypes, GuardRails, Inbox, Memory, Policies, Runs, State, Tasks,
    Triggers, Versions, Webhooks, Workflows,
)
from .transport import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, HttpSender, Transport
from .worker import Worker

_READ_ONLY_SQL = re.compile(r"^\s*(select|with|values|explain)\b", re.IGNORECASE)
_WRITE_WORDS = re.compile(r"\b(insert|update|delete|replace|create|drop|alter)\b", re.IGNORECASE)


class Client:
    """A client for one Switchyard deployment, acting as one agent (or as admin).

    Args:
        api_key: an agent key (``sy_...``) or the admin token; default ``$SWITCHYARD_API_KEY``.
        base_url: the deployment, e.g. ``https://switchyard.example.workers.dev`` or
            ``http://localhost:8787``; default ``$SWITCHYARD_URL``.
        timeout: seconds per attempt (default 30); long polls get their wait on top.
        max_retries: how many times a failed request is sent again (default 2): on 429 and 503
            (honouring ``Retry-After`` up to a minute), and, where a repeat is harmless, when no
            answer arrived. Creating calls carry an ``Idempotency-Key``, the same on every attempt.
        http: replaces the HTTP layer (tests, proxies): see :data:`switchyard.transport.HttpSender`.

    Every failed call raises :class:`switchyard.SwitchyardError`. Objects come back as
    :class:`switchyard.Record` (``r.score`` or ``r["score"]``), lists as lists.

    Example::

        import switchyard

        agent_b = switchyard.Client(api_key=os.environ["AGENT_B_KEY"], base_url="http://localhost:8787")
        for r in agent_b.memory.search(agent_id="shared-knowledge-base", query="Which segment has the highest LTV?"):
            print(f"[{r.score:.2f}] {r.content}")
    """

    memory: Memory
    """Namespaced semantic memory: store, search, get, delete, list, cleanup."""
    triggers: Triggers
    """Semantic triggers: register, list, get, update, delete, test."""
    inbox: Inbox
    """Each agent's inbox: poll, ack, send, history."""
    branches: Branches
    """Copy-on-write branches of the SQL data: create, write, query, diff, merge, discard."""
    state: State
    """Durable, versioned key-value state per agent: set, get (the value), delete, list."""
    cot: Cot
    """The chain-of-thought ledger: log, steps, verify_chain, sessions."""
    agents: Agents
    """Agents and their keys (admin)."""
    policies: Policies
    """ABAC policies (admin)."""
    webhooks: Webhooks
    """Webhook deliveries: list, replay."""
    versions: Versions
    """Agent versions (the catalog): publish, list, get, deprecate, promote, resolve, endpoint_secret."""
    workflows: Workflows
    """Workflows: put, get, list, start, dry_run, triggers, schedule, graph, bottlenecks."""
    runs: Runs
    """Runs: start, get, list, wait, cancel, messages, send_message, delegate, state (get, set, all, history), trace."""
    tasks: Tasks
    """Tasks: get, complete, fail, heartbeat, feedback."""
    events: Events
    """Events: publish, list, get."""
    event_types: EventTypes
    """Event types (admin): put, list, get, delete."""
    ab_tests: AbTests
    """A/B tests of agent versions: create, get, list, stop, promote."""
    guard_rails: GuardRails
    """The deployment's guard rails (admin): get, put."""

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http: Optional[HttpSender] = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("SWITCHYARD_API_KEY")
        url = base_url if base_url is not None else os.environ.get("SWITCHYARD_URL")
        if not key:
            raise ValueError("no API key: pass api_key= (an agent key sy_... or the admin token) or set SWITCHYARD_API_KEY")
        if not url:
            raise ValueError("no deployment URL: pass base_url= or set SWITCHYARD_URL (e.g. http://localhost:8787)")
        self._transport = Transport(url, key, timeout=timeout, max_retries=max_retries, http=http)
        t = self._transport
        self.memory = Memory(t)
        self.triggers = Triggers(t)
        self.inbox = Inbox(t)
        self.branches = Branches(t)
        self.state = State(t)
        self.cot = Cot(t)
        self.agents = Agents(t)
        self.policies = Policies(t)
        self.webhooks = Webhooks(t)
        self.versions = Versions(t)
        self.workflows = Workflows(t)
        self.runs = Runs(t)
        self.tasks = Tasks(t)
        self.events = Events(t)
        self.event_types = EventTypes(t)
        self.ab_tests = AbTests(t)
        self.guard_rails = GuardRails(t)

    @property
    def base_url(self) -> str:
        """The deployment this client talks to."""
        return self._transport.base_url

    def __repr__(self) -> str:
        return f"switchyard.Client(base_url={self.base_url!r})"

    def query(self, sql: str, params: Optional[Sequence[Any]] = None) -> Record:
        """Runs one SQL statement over the data layer: ``POST /v1/query`` → ``{columns, rows, row_count,
        duration_ms, truncated}`` (``.rows`` is a list of Records keyed by column).

        SQLite dialect plus Postgres's ``NOW()``, ``CURRENT_TIMESTAMP`` and ``<ts> ± INTERVAL 'n unit'``;
        placeholders ``?`` / ``?NNN`` take ``params`` in order. Reads are resent after a lost answer;
        writes are not, since they may have landed.
        """
        read_only = bool(_READ_ONLY_SQL.match(sql)) and not _WRITE_WORDS.search(sql)
        body: Dict[str, Any] = {"sql": sql} if params is None else {"sql": sql, "params": list(params)}
        return self._transport.request("POST", "/v1/query", body=body, replayable=read_only)

    def whoami(self) -> Record:
        """Who this client's key belongs to: ``GET /v1/whoami`` → ``{agent_id, role, attributes}``."""
        return self._transport.request("GET", "/v1/whoami")

    def worker(
        self,
        agent_id: str,
        *,
        wait_seconds: int = 30,
        max_tasks: Optional[int] = None,
        heartbeat_interval: Optional[float] = None,
        max_corrections: int = 2,
    ) -> Worker:
        """A worker loop for ``agent_id``'s tasks: ``client.worker("cost-analyzer").run(handler)``.

        It long-polls the agent's inbox for task items (``wait_seconds``, ≤ 30), runs ``handler(task)``
        for each one, heartbeats while it runs (every third of the task's timeout, or every
        ``heartbeat_interval`` seconds) and completes the task with the handler's return value, or as
        failed with ``{code, message}`` when it raises. A handler ``def handler(task, context)`` also gets
        a :class:`switchyard.TaskContext`: an output the server refuses is handed back to it as
        ``context.rejection`` to correct, up to ``max_corrections`` times. Ends on ``worker.stop()``,
        after ``max_tasks`` tasks, or on Ctrl-C; ``worker.start(handler)`` runs it in a thread. See
        :class:`switchyard.Worker`.
        """
        return Worker(
            self.inbox, self.tasks, agent_id, wait_seconds=wait_seconds, max_tasks=max_tasks, heartbeat_interval=heartbeat_interval,
            max_corrections=max_corrections,
        )
