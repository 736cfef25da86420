"""Switchyard's Python client: the coordination data layer for teams of AI agents, from Python.

Standard library only, Python 3.9 or later::

    import switchyard

    client = switchyard.Client(api_key="sy_...", base_url="http://localhost:8787")
    client.memory.store(agent_id="shared-knowledge-base", content="Enterprise LTV is 42% higher.")
    for r in client.memory.search(agent_id="shared-knowledge-base", query="Which segment is worth most?"):
        print(f"[{r.score:.2f}] {r.content}")

``Client()`` with no arguments reads ``SWITCHYARD_API_KEY`` and ``SWITCHYARD_URL``.
"""

from .client import Client
from .errors import SwitchyardError
from .records import Page, Record
from .transport import VERSION as __version__
from .task_context import TaskContext
from .worker import Worker

__all__ = ["Client", "SwitchyardError", "Record", "Page", "Worker", "TaskContext", "__version__"]
