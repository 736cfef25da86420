"""An agent's worker loop: take tasks from its inbox, run a handler, heartbeat, complete.

``client.worker("cost-analyzer").run(handler)`` long-polls ``GET /v1/inbox/{agent_id}?kind=task``,
calls ``handler(task)`` for each task, heartbeats from a thread while the handler runs, and completes
the task with the handler's return value (or, when it raises, as failed with the exception's code and
message).
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import time
from typing import Any, Callable, Dict, Optional, Union

from .errors import SwitchyardError
from .records import Record
from .resources.inbox import Inbox
from .resources.runs import Tasks
from .task_context import TaskContext, takes_context
from .transport import backoff_seconds

__all__ = ["Worker", "TaskHandler", "TaskContext"]

TaskHandler = Union[Callable[[Record], Any], Callable[[Record, TaskContext], Any]]
"""Takes a task item (``task_id``, ``run_id``, ``workflow``, ``agent_id``, ``version``, ``input``,
``attempt``, ``deadline``), and a :class:`TaskContext` if it has a second parameter, and returns its
output (any JSON, or None for none)."""

log = logging.getLogger("switchyard.worker")

MIN_HEARTBEAT_INTERVAL = 1.0
"""Never heartbeat more often than this, whatever the deadline says."""
HEARTBEAT_JOIN_SECONDS = 5.0
"""How long finishing a task waits for a heartbeat in flight."""
MAX_ERROR_MESSAGE = 4000
"""A failed task's error message is cut to this many characters."""


class Worker:
    """Runs one agent's tasks, one at a time. Make it with ``client.worker(agent_id)``.

    The loop ends when :meth:`stop` is called (from another thread or from the handler: the task in
    hand is completed first), after ``max_tasks`` tasks, or on ``KeyboardInterrupt`` (Ctrl-C), after
    which :meth:`run` returns normally. A task interrupted by Ctrl-C is neither completed nor failed:
    its heartbeats stop, so its deadline passes and the server retries it (or times it out), as it
    would after a crash.

    Errors: a poll that fails for a passing reason (no connection, 429, 5xx) is retried with backoff;
    one the worker cannot fix by waiting (401, 403, 404: a wrong key or agent) raises
    :class:`SwitchyardError` from :meth:`run`. A completion that fails is logged and the loop goes on:
    the task's deadline then decides it. An output the server refuses (400: off the version's or an
    edge's schema) is handed back to a handler that takes a second parameter, as
    ``context.rejection``, up to ``max_corrections`` times; after that (or for a one-parameter handler)
    the task is failed with code ``invalid_output`` and the server's reason.

    Example::

        def analyse(task):
            return {"total": sum(task.input["amounts"])}

        worker = client.worker("cost-analyzer", max_tasks=100)
        worker.run(analyse)                      # here, until stopped; or in a thread:
        worker.start(analyse); ...; worker.stop(); worker.join()
    """

    def __init__(
        self,
        inbox: Inbox,
        tasks: Tasks,
        agent_id: str,
        *,
        wait_seconds: int = 30,
        max_tasks: Optional[int] = None,
        heartbeat_interval: Optional[float] = None,
        max_corrections: int = 2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(agent_id, str) or agent_id == "":
            raise ValueError("agent_id must be the agent's id, a non-empty string")
        if not (isinstance(wait_seconds, int) and 0 <= wait_seconds <= 30):
            raise ValueError(f"wait_seconds must be an integer in 0..30, not {wait_seconds!r}")
        if max_tasks is not None and not (isinstance(max_tasks, int) and max_tasks >= 1):
            raise ValueError(f"max_tasks must be a positive integer or None, not {max_tasks!r}")
        if heartbeat_interval is not None and not heartbeat_interval > 0:
            raise ValueError(f"heartbeat_interval must be a positive number of seconds, not {heartbeat_interval!r}")
        if not (isinstance(max_corrections, int) and max_corrections >= 0):
            raise ValueError(f"max_corrections must be a non-negative integer, not {max_corrections!r}")
        self.agent_id = agent_id
        self.max_corrections = max_corrections
        self.wait_seconds = wait_seconds
        self.max_tasks = max_tasks
        self.heartbeat_interval = heartbeat_interval
        self._inbox = inbox
        self._tasks = tasks
        self._clock = clock
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.error: Optional[BaseException] = None
        """What ended a loop started with :meth:`start` by raising (a wrong key or agent), if anything."""
        self.handled = 0
        """Tasks handled by the last (or current) :meth:`run`: completed, failed, or refused by the server."""

    def __repr__(self) -> str:
        return f"Worker(agent_id={self.agent_id!r}, handled={self.handled}, stopped={self._stop.is_set()})"

    def stop(self) -> None:
        """Asks the loop to end: the task in hand (if any) is completed first, and the loop returns after
        the poll in flight answers (at most ``wait_seconds``); a task that poll brings is handled too,
        since it was already delivered to this worker."""
        self._stop.set()

    def start(self, handler: TaskHandler) -> threading.Thread:
        """Runs :meth:`run` in a daemon thread and returns it; end it with :meth:`stop` then :meth:`join`.
        Several agents' loops can run side by side in one process this way."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError(f"the worker for {self.agent_id} is already running")

        def loop() -> None:
            try:
                self.run(handler)
            except BaseException as err:  # kept for join(): a thread's exception would otherwise only be printed
                self.error = err
                log.error("worker for %s ended: %s", self.agent_id, err)

        self._thread = threading.Thread(target=loop, name=f"switchyard-worker-{self.agent_id}", daemon=True)
        self._thread.start()
        return self._thread

    def join(self, timeout: Optional[float] = None) -> bool:
        """Waits for a loop started with :meth:`start` to end; True once it has. After ``stop()`` that is at
        most ``wait_seconds`` plus the task in hand."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    def run(self, handler: TaskHandler) -> int:
        """Handles tasks until stopped; returns how many it handled."""
        self.handled = 0
        failures_in_a_row = 0
        try:
            while not self._stop.is_set() and (self.max_tasks is None or self.handled < self.max_tasks):
                try:
                    items = self._inbox.poll(self.agent_id, 1, wait_seconds=self.wait_seconds, kind="task")
                except SwitchyardError as err:
                    if not _passing(err):
                        raise
                    wait = backoff_seconds(failures_in_a_row)
                    failures_in_a_row += 1
                    log.warning("polling %s's inbox failed (%s); trying again in %.1f s", self.agent_id, err, wait)
                    self._stop.wait(wait)
                    continue
                failures_in_a_row = 0
                for item in items:
                    if item.get("kind") != "task":
                        # Only a server without the `kind` filter sends these; the item is delivered already.
                        log.warning("skipped inbox item %s of kind %r: the worker handles tasks only", item.get("item_id"), item.get("kind"))
                        continue
                    self._handle(item, handler)
                    self.handled += 1
        except KeyboardInterrupt:
            log.info("worker for %s stopped by KeyboardInterrupt after %d task(s)", self.agent_id, self.handled)
        return self.handled

    def _handle(self, task: Record, handler: TaskHandler) -> None:
        task_id = task["task_id"]
        with_context = takes_context(handler)
        interval = self._interval_for(task)
        rejection: Optional[SwitchyardError] = None
        corrections = 0
        while True:
            context = TaskContext(task, self._tasks, rejection, corrections)
            heartbeat = _Heartbeat(self._tasks, task_id, interval, context.cancelled)
            heartbeat.start()
            try:
                try:
                    output = handler(task, context) if with_context else handler(task)
                except Exception as exc:  # the handler's failure is the task's outcome, not the loop's
                    heartbeat.finish()
                    log.info("task %s failed in the handler: %r", task_id, exc)
                    self._complete(task_id, failed=_error_of(exc), extra=context.extra)
                    return
                heartbeat.finish()
                refusal = self._complete(task_id, output=output, extra=context.extra)
            finally:
                heartbeat.finish()
            if refusal is None:
                return
            if not with_context or corrections >= self.max_corrections:
                # Only the handler could correct the output, and it cannot (or may not) any more: fail the task
                # with the reason rather than leave it open until its deadline.
                self._complete(task_id, failed=Record(code="invalid_output", message=refusal.message[:MAX_ERROR_MESSAGE]), extra=context.extra)
                return
            log.info("task %s: output refused (%s); handing it back to the handler to correct", task_id, refusal.message)
            rejection, corrections = refusal, corrections + 1

    def _complete(
        self, task_id: str, *, output: Any = None, failed: Optional[Record] = None, extra: Optional[Dict[str, Any]] = None
    ) -> Optional[SwitchyardError]:
        """Completes the task; returns the server's refusal (400) of ``output``, None otherwise."""
        usage, state = (extra or {}).get("usage"), (extra or {}).get("state")
        try:
            if failed is not None:
                self._tasks.complete(task_id, status="failed", error=failed, usage=usage, state=state)
            elif output is None:
                self._tasks.complete(task_id, usage=usage, state=state)
            else:
                self._tasks.complete(task_id, output, usage=usage, state=state)
        except (TypeError, ValueError) as err:
            # The output is no JSON (an object json cannot encode, or NaN): fail the task with that, rather than leave it to its deadline.
            return self._complete(task_id, failed=Record(code="invalid_output", message=f"the handler returned a value that is not JSON: {err}"), extra=extra)
        except SwitchyardError as err:
            if err.status == 400 and failed is None:
                # Off the version's or the edge's schema: the task stays open for a corrected completion.
                return err
            if err.status == 409:
                log.warning("task %s was already finished (timed out, cancelled or completed): %s", task_id, err.message)
            else:
                log.error("could not complete task %s (%s); its deadline will decide it", task_id, err)
        return None

    def _interval_for(self, task: Record) -> float:
        """A third of the task's timeout: what remains until its deadline, or ``timeout_seconds`` if the
        task says it. Each heartbeat pushes the deadline back by the whole timeout."""
        if self.heartbeat_interval is not None:
            return self.heartbeat_interval
        timeout = task.get("timeout_seconds")
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            deadline = _epoch(task.get("deadline"))
            if deadline is None:
                return 10.0  # no deadline to go by: often enough for any sensible timeout
            timeout = deadline - self._clock()
            created = _epoch(task.get("created_at"))
            if created is not None and deadline - created > 0:
                # Both server times: a bound that no clock skew between here and the server can stretch.
                timeout = min(timeout, deadline - created)
        return max(MIN_HEARTBEAT_INTERVAL, timeout / 3)


class _Heartbeat(threading.Thread):
    """Heartbeats one task every ``interval`` seconds until finished, or until the server says the task
    is no longer running."""

    def __init__(self, tasks: Tasks, task_id: str, interval: float, cancelled: Optional[threading.Event] = None) -> None:
        super().__init__(name=f"switchyard-heartbeat-{task_id}", daemon=True)
        self._tasks = tasks
        self._cancelled = cancelled if cancelled is not None else threading.Event()
        self._task_id = task_id
        self.interval = interval
        self._done = threading.Event()
        self.beats = 0

    def run(self) -> None:
        while not self._done.wait(self.interval):
            try:
                self._tasks.heartbeat(self._task_id)
                self.beats += 1
            except SwitchyardError as err:
                if self._done.is_set():
                    return  # the task was completed meanwhile: this beat no longer matters
                if err.status in (404, 409):
                    log.warning("task %s is no longer running (%s); heartbeats stop", self._task_id, err.message)
                    self._cancelled.set()
                    return
                log.warning("heartbeat of task %s failed (%s); trying again in %.1f s", self._task_id, err, self.interval)

    def finish(self) -> None:
        self._done.set()
        if self.is_alive() and threading.current_thread() is not self:
            # A heartbeat in flight usually ends in milliseconds; one stuck in retries is left to finish
            # on its own (a daemon thread whose late answer is ignored) rather than delay the completion.
            self.join(timeout=HEARTBEAT_JOIN_SECONDS)


def _passing(err: SwitchyardError) -> bool:
    """Whether waiting may fix it: no answer, rate limited, or the server's own trouble."""
    return err.status == 0 or err.status == 429 or err.status >= 500


def _error_of(exc: BaseException) -> Record:
    code = getattr(exc, "code", None)
    if not isinstance(code, str) or code == "":
        code = type(exc).__name__
    message = str(exc) or type(exc).__name__
    return Record(code=code[:128], message=message[:MAX_ERROR_MESSAGE])


def _epoch(value: Any) -> Optional[float]:
    if not isinstance(value, str):
        return None
    try:
        return _dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
