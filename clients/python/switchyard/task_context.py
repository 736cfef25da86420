"""What a worker's handler is given beside its task, when it asks for it: ``def handler(task, context)``."""

from __future__ import annotations

import inspect
import threading
from typing import Any, Callable, Dict, Optional

from .errors import SwitchyardError
from .records import Record
from .resources.runs import Tasks

__all__ = ["TaskContext", "takes_context"]


class TaskContext:
    """The handler's view of the task in hand.

    - ``rejection``: None at first. When the server refused the handler's output (400: off the
      version's ``output_schema`` or an edge's schema), the worker calls the handler again with the
      refusal here, a :class:`SwitchyardError` whose ``message`` and ``details`` say what is wrong, so
      the handler can correct its output (up to ``max_corrections`` times, default 2).
    - ``corrections``: how many refused outputs came before this call.
    - ``cancelled``: set once the server says the task can no longer be completed (it timed out or its
      run was cancelled): a long handler may check it and give up.
    - ``report(usage=, state=)``: token usage and shared-state writes sent with the completion.
    - ``heartbeat()``: pushes the deadline back now (the worker also does so on its own).

    Example::

        def enrich(task, context):
            records = task.input.records
            if context.rejection is None:
                return {"records": records}                        # forgets enriched_at: refused
            return {"records": records, "enriched_at": now_iso()}  # corrected
    """

    def __init__(self, task: Record, tasks: Tasks, rejection: Optional[SwitchyardError] = None, corrections: int = 0) -> None:
        self.task = task
        self.rejection = rejection
        self.corrections = corrections
        self.cancelled = threading.Event()
        self.extra: Dict[str, Any] = {}
        self._tasks = tasks

    def __repr__(self) -> str:
        return f"TaskContext(task_id={self.task.get('task_id')!r}, corrections={self.corrections}, rejection={self.rejection!r})"

    def report(self, *, usage: Optional[Dict[str, int]] = None, state: Optional[Dict[str, Any]] = None) -> None:
        """Attaches ``usage`` ``{tokens_in, tokens_out}`` and/or ``state`` ``{key: value}`` (shared-state
        writes, atomic with the completion) to the completion."""
        if usage is not None:
            self.extra["usage"] = dict(usage)
        if state is not None:
            self.extra.setdefault("state", {}).update(state)

    def heartbeat(self) -> Record:
        """Pushes the task's deadline back now: ``POST /v1/tasks/{task_id}/heartbeat``."""
        return self._tasks.heartbeat(self.task["task_id"])


def takes_context(handler: Callable[..., Any]) -> bool:
    """Whether ``handler`` can be called as ``handler(task, context)``; ``handler(task)`` otherwise."""
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):  # some builtins have none: call them with the task alone
        return False
    try:
        signature.bind(None, None)
        return True
    except TypeError:
        return False
