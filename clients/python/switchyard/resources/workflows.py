"""Workflows (``/v1/workflows``): coordinations of agents in four patterns, their triggers, hooks,
dry runs and observability."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterator, Mapping, Optional, Union

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, page_of, paginate

Definition = Union[str, Mapping[str, Any]]
"""A workflow document: YAML text, or the same as a dict (sent as JSON)."""
Time = Union[str, _dt.datetime]


class Workflows(Resource):
    """Define, read, run, test and observe workflows.

    Example::

        client.workflows.put("quarterly-revenue", open("quarterly-revenue.yaml").read())
        report = client.workflows.dry_run(workflow="quarterly-revenue", agents={"cost-analyzer": {"fail": True}})
        for finding in report.findings:
            print(finding)
        run = client.workflows.start("quarterly-revenue", input={"quarter": "2026-Q3"})
    """

    def put(self, name: str, definition: Definition) -> Record:
        """Creates or changes a workflow: ``PUT /v1/workflows/{name}``, YAML text as
        ``application/yaml``, a dict as JSON. Answers ``{name, revision, ..., warnings}``; a body equal to
        the current revision creates no new revision. An invalid definition is ``invalid_request`` (400)
        whose ``details`` list ``{path, line, column, message}``."""
        # The same body twice makes no second revision, so a lost answer may be asked again.
        if isinstance(definition, str):
            return self._t.request("PUT", path("/v1/workflows/{}", name), raw_body=definition.encode("utf-8"), content_type="application/yaml", replayable=True)
        return self._t.request("PUT", path("/v1/workflows/{}", name), body=dict(definition), replayable=True)

    def get(self, name: str, *, revision: Optional[int] = None) -> Record:
        """The current revision (or ``revision``): ``GET /v1/workflows/{name}``."""
        return self._t.request("GET", path("/v1/workflows/{}", name), query={"revision": revision})

    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of workflows: ``GET /v1/workflows``."""
        return page_of(self._t.request("GET", "/v1/workflows", query={"limit": limit, "cursor": cursor}))

    def list_all(self, *, limit: Optional[int] = None) -> Iterator[Record]:
        """Every workflow, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(limit=limit, cursor=cursor))

    def revisions(self, name: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of the workflow's revisions: ``GET /v1/workflows/{name}/revisions``."""
        return page_of(self._t.request("GET", path("/v1/workflows/{}/revisions", name), query={"limit": limit, "cursor": cursor}))

    def delete(self, name: str, *, force: bool = False) -> Record:
        """Deletes a workflow: ``DELETE /v1/workflows/{name}``; refused (409) while runs are running,
        unless ``force=True`` cancels them."""
        return self._t.request("DELETE", path("/v1/workflows/{}", name), query={"force": True if force else None})

    def rollback(self, name: str, revision: int) -> Record:
        """Makes an earlier revision current again: ``POST /v1/workflows/{name}/rollback``."""
        return self._t.request("POST", path("/v1/workflows/{}/rollback", name), body={"revision": revision})

    def start(self, name: str, input: Any = None, *, idempotency_key: Optional[str] = None) -> Record:
        """Starts a run by hand: ``POST /v1/workflows/{name}/runs`` → ``{run_id, status: "running", agents, ...}``."""
        body: Dict[str, Any] = {} if input is None else {"input": input}
        return self._t.request("POST", path("/v1/workflows/{}/runs", name), body=body, creates=True, idempotency_key=idempotency_key)

    def dry_run(
        self,
        workflow: Optional[str] = None,
        *,
        definition: Optional[Definition] = None,
        revision: Optional[int] = None,
        input: Any = None,
        event: Optional[Mapping[str, Any]] = None,
        agents: Optional[Mapping[str, Mapping[str, Any]]] = None,
    ) -> Record:
        """Runs a saved workflow (``workflow``) or an unsaved one (``definition``: YAML text or a dict)
        on a virtual clock with scripted agents, touching nothing outside the dry run:
        ``POST /v1/dry-runs`` → ``{dry_run_id, status, output, error, tasks, messages, state, trace,
        findings}``. ``agents`` scripts each agent: ``{name: {"outputs": [...], "output": ..., "fail":
        bool, "never_answer": bool, "delay_seconds": n, "state": {...}, "usage": {...}}}``.

        Use it in CI to test a coordination before deploying it: ``findings`` say what would go wrong
        (a stalled agent and the keys it waited for, an output off its edge's schema, an agent never
        started, a guard rail hit, a cycle that reached ``max_tasks_per_run``, ...).
        """
        if (workflow is None) == (definition is None):
            raise ValueError("dry_run needs exactly one of workflow= (a saved workflow's name) and definition= (YAML text or a dict)")
        body = fields(
            workflow=workflow, definition=None if definition is None else (definition if isinstance(definition, str) else dict(definition)),
            revision=revision, input=input, event=None if event is None else dict(event),
            agents=None if agents is None else {k: dict(v) for k, v in agents.items()},
        )
        # A dry run changes nothing outside itself, so a lost answer may be asked again.
        return self._t.request("POST", "/v1/dry-runs", body=body, replayable=True)

    def get_dry_run(self, dry_run_id: str) -> Record:
        """A dry run's report, kept 24 h: ``GET /v1/dry-runs/{dry_run_id}``."""
        return self._t.request("GET", path("/v1/dry-runs/{}", dry_run_id))

    def triggers(self, name: str) -> Any:
        """Each lifecycle trigger of the workflow with its state and recent decisions (fired, skipped,
        deduplicated, failed): ``GET /v1/workflows/{name}/triggers``."""
        return self._t.request("GET", path("/v1/workflows/{}/triggers", name))

    def schedule(self, name: str, *, from_: Optional[Time] = None, count: Optional[int] = None) -> Any:
        """The next scheduled instants, in UTC and local time, with a note where daylight saving moved
        one: ``GET /v1/workflows/{name}/schedule?from=&count=``."""
        return self._t.request("GET", path("/v1/workflows/{}/schedule", name), query={"from": from_, "count": count})

    def rotate_hook(self, name: str, hook_path: str) -> Record:
        """Issues a new key for an ``api_key`` webhook trigger (the old one stays valid for an hour):
        ``POST /v1/workflows/{name}/hooks/rotate {path}``. The answer shows the new key once."""
        return self._t.request("POST", path("/v1/workflows/{}/hooks/rotate", name), body={"path": hook_path})

    def graph(self, name: str, *, since: Optional[Time] = None) -> Record:
        """The dependency graph, declared and observed: ``GET /v1/workflows/{name}/graph`` → ``{nodes, edges}``."""
        return self._t.request("GET", path("/v1/workflows/{}/graph", name), query={"since": since})

    def bottlenecks(self, name: str, *, since: Optional[Time] = None) -> Any:
        """Per agent: tasks, p50/p95, retries, timeouts, failures and share of the critical path, worst
        first: ``GET /v1/workflows/{name}/bottlenecks``."""
        return self._t.request("GET", path("/v1/workflows/{}/bottlenecks", name), query={"since": since})
