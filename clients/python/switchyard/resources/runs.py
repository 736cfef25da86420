"""Runs and tasks (``/v1/runs``, ``/v1/tasks``): one execution of a workflow, and each agent's share of it."""

from __future__ import annotations

import time
from typing import Any, Dict, Iterator, List, Optional

from ..records import Page, Record
from ..transport import path
from ..transport import Transport
from ._base import Resource, fields, page_of, paginate
from .run_state import RunState

_OMITTED: Any = object()


class Runs(Resource):
    """Start, read, list and cancel runs; send run messages, delegate work, read and write a run's shared
    state (:attr:`state`), and read its trace."""

    state: RunState
    """A shared-state run's state: ``state(run_id)`` / ``state.all(run_id, at=)``, ``state.get``, ``state.set``, ``state.history``."""

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self.state = RunState(transport)

    def start(self, workflow: str, input: Any = None, *, idempotency_key: Optional[str] = None) -> Record:
        """Starts a run of ``workflow`` by hand: ``POST /v1/workflows/{name}/runs`` → ``{run_id, ...}``."""
        body: Dict[str, Any] = {} if input is None else {"input": input}
        return self._t.request("POST", path("/v1/workflows/{}/runs", workflow), body=body, creates=True, idempotency_key=idempotency_key)

    def get(self, run_id: str) -> Record:
        """``GET /v1/runs/{run_id}`` → ``{run_id, workflow, revision, status, input, output, error, agents,
        trigger, tasks, started_at, ended_at}``; ``status``: ``running``, ``succeeded``, ``failed``,
        ``timed_out`` or ``cancelled``."""
        return self._t.request("GET", path("/v1/runs/{}", run_id))

    def list(self, *, workflow: Optional[str] = None, status: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of runs: ``GET /v1/runs?workflow=&status=``."""
        return page_of(self._t.request("GET", "/v1/runs", query={"workflow": workflow, "status": status, "limit": limit, "cursor": cursor}))

    def list_all(self, *, workflow: Optional[str] = None, status: Optional[str] = None, limit: Optional[int] = None) -> Iterator[Record]:
        """Every run matching, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(workflow=workflow, status=status, limit=limit, cursor=cursor))

    def cancel(self, run_id: str, reason: Optional[str] = None) -> Record:
        """Cancels a running run: ``POST /v1/runs/{run_id}/cancel {reason?}`` → the run, ``cancelled``;
        its open tasks are cancelled; a run already over is ``conflict`` (409)."""
        return self._t.request("POST", path("/v1/runs/{}/cancel", run_id), body=fields(reason=reason))

    def wait(self, run_id: str, *, timeout: float = 60.0, interval: float = 0.25) -> Record:
        """Reads the run every ``interval`` seconds until it is no longer ``running`` or ``timeout``
        seconds have passed, and returns it as last read (check ``status``)."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(run_id)
            if run.get("status") != "running" or time.monotonic() >= deadline:
                return run
            time.sleep(interval)

    def messages(self, run_id: str) -> List[Record]:
        """A message-passing run's messages, oldest first: ``GET /v1/runs/{run_id}/messages`` → each
        ``{message_id, from, to, schema, body, ...}``."""
        return list(self._t.request("GET", path("/v1/runs/{}/messages", run_id))["items"])

    def send_message(self, run_id: str, schema: str, body: Any, *, to: Optional[str] = None, idempotency_key: Optional[str] = None) -> List[Record]:
        """Sends a message in a message-passing run, as the calling agent: ``POST /v1/runs/{run_id}/messages``.
        Without ``to`` it goes along every outgoing edge with that ``schema``. Off the declared flow is
        ``forbidden`` (403); off its schema ``invalid_request`` (400)."""
        payload = fields(to=to, schema=schema)
        payload["body"] = body
        answer = self._t.request("POST", path("/v1/runs/{}/messages", run_id), body=payload, creates=True, idempotency_key=idempotency_key)
        return list(answer["items"])

    def delegate(self, run_id: str, worker: str, input: Any = None, *, idempotency_key: Optional[str] = None) -> Record:
        """The supervisor of a hierarchical run gives a worker more work: ``POST /v1/runs/{run_id}/delegate``
        → the new task."""
        return self._t.request("POST", path("/v1/runs/{}/delegate", run_id), body=fields(worker=worker, input=input), creates=True, idempotency_key=idempotency_key)

    def get_state(self, run_id: str, key: str) -> Record:
        """Same as ``runs.state.get(run_id, key)``."""
        return self.state.get(run_id, key)

    def set_state(self, run_id: str, key: str, value: Any, *, expected_version: Optional[int] = None) -> Record:
        """Same as ``runs.state.set(run_id, key, value, expected_version=)``."""
        return self.state.set(run_id, key, value, expected_version=expected_version)

    def state_history(self, run_id: str, key: str) -> List[Record]:
        """Same as ``runs.state.history(run_id, key)``."""
        return self.state.history(run_id, key)

    def trace(self, run_id: str, *, format: Optional[str] = None) -> Record:
        """The run's spans: ``GET /v1/runs/{run_id}/trace`` → ``{run_id, trace_id, spans}``; ``format="otlp"``
        answers OTLP/HTTP JSON."""
        return self._t.request("GET", path("/v1/runs/{}/trace", run_id), query={"format": format})


class Tasks(Resource):
    """Read, complete, heartbeat and rate tasks. A worker loop (``client.worker(agent_id).run(handler)``)
    does the polling, heartbeats and completion for you."""

    def get(self, task_id: str) -> Record:
        """``GET /v1/tasks/{task_id}`` → ``{task_id, run_id, agent_id, version, status, input, output,
        error, attempt, usage, deadline, ...}``."""
        return self._t.request("GET", path("/v1/tasks/{}", task_id))

    def complete(
        self,
        task_id: str,
        output: Any = _OMITTED,
        *,
        status: Optional[str] = None,
        error: Optional[Dict[str, Any]] = None,
        usage: Optional[Dict[str, int]] = None,
        state: Optional[Dict[str, Any]] = None,
        idempotency_key: Optional[str] = None,
    ) -> Record:
        """Finishes a task (its agent or an admin): ``POST /v1/tasks/{task_id}/complete``.

        ``status`` ``succeeded`` (default) or ``failed`` with ``error`` ``{code, message}``; ``usage``
        ``{tokens_in, tokens_out}``; ``state`` writes shared-state keys atomically with the completion.
        An ``output`` off the version's or the edge's schema is ``invalid_request`` (400) and the task
        stays open for a corrected completion; a finished task is ``conflict`` (409).

        It carries an ``Idempotency-Key``, so the client's own retries after a lost answer are safe.
        """
        body = fields(status=status, error=error, usage=usage, state=state)
        if output is not _OMITTED:
            body["output"] = output
        return self._t.request("POST", path("/v1/tasks/{}/complete", task_id), body=body, creates=True, idempotency_key=idempotency_key)

    def fail(self, task_id: str, code: str, message: str, *, usage: Optional[Dict[str, int]] = None) -> Record:
        """Completes a task as failed with ``{code, message}``."""
        return self.complete(task_id, status="failed", error={"code": code, "message": message}, usage=usage)

    def heartbeat(self, task_id: str, progress: Any = None) -> Record:
        """Pushes the task's deadline back by its timeout: ``POST /v1/tasks/{task_id}/heartbeat``."""
        # A second heartbeat only pushes the deadline again: safe to repeat.
        return self._t.request("POST", path("/v1/tasks/{}/heartbeat", task_id), body=fields(progress=progress), replayable=True)

    def feedback(self, task_id: str, rating: str, comment: Optional[str] = None, *, idempotency_key: Optional[str] = None) -> Record:
        """Rates a task's output ``up`` or ``down`` (A/B tests' quality score): ``POST /v1/tasks/{task_id}/feedback``."""
        body = fields(rating=rating, comment=comment)
        return self._t.request("POST", path("/v1/tasks/{}/feedback", task_id), body=body, creates=True, idempotency_key=idempotency_key)
