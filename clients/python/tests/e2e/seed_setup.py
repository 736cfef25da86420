"""What the coordination suites share: the server from the environment, agents with keys and published
versions, and worker loops that are stopped after each test.

Run through ``test/e2e/python-client.test.ts`` (``SWITCHYARD_URL``, ``SWITCHYARD_ADMIN_TOKEN``). Creating
an agent or a version that exists is accepted, so a suite can run twice against one server.
"""

from __future__ import annotations

import os
import unittest
from typing import Any, Dict, List

import switchyard


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run this through test/e2e/python-client.test.ts")
    return value


BASE_URL = _env("SWITCHYARD_URL")
ADMIN = switchyard.Client(api_key=_env("SWITCHYARD_ADMIN_TOKEN"), base_url=BASE_URL)
_CLIENTS: Dict[str, switchyard.Client] = {}


def agent(agent_id: str, *versions: str) -> switchyard.Client:
    """A client acting as ``agent_id``, created (with a fresh key) the first time; ``versions`` are published."""
    if agent_id not in _CLIENTS:
        try:
            ADMIN.agents.create(agent_id, "agent")
        except switchyard.SwitchyardError as err:
            if err.status != 409:
                raise
        _CLIENTS[agent_id] = switchyard.Client(api_key=ADMIN.agents.keys.create(agent_id).api_key, base_url=BASE_URL)
    for version in versions:
        publish(agent_id, version)
    return _CLIENTS[agent_id]


def publish(agent_id: str, version: str, **fields: Any) -> None:
    try:
        ADMIN.versions.publish(agent_id, version, **fields)
    except switchyard.SwitchyardError as err:
        if err.status != 409:
            raise


class WorkersCase(unittest.TestCase):
    """A test that starts worker loops; every loop is stopped, and must end, when the test ends."""

    def setUp(self) -> None:
        self.workers: List[switchyard.Worker] = []

    def tearDown(self) -> None:
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            self.assertTrue(worker.join(15), f"the worker loop of {worker.agent_id} did not end after stop()")
            self.assertIsNone(worker.error, f"the worker loop of {worker.agent_id} raised")

    def work(self, agent_id: str, handler: Any) -> switchyard.Worker:
        """Starts ``agent_id``'s worker loop in a thread: short polls, so that stop() ends it quickly."""
        worker = agent(agent_id).worker(agent_id, wait_seconds=2)
        worker.start(handler)
        self.workers.append(worker)
        return worker

    def finished(self, run_id: str, timeout: float = 90.0) -> switchyard.Record:
        run = ADMIN.runs.wait(run_id, timeout=timeout)
        self.assertNotEqual(run.status, "running", f"run {run_id} still running after {timeout} s: {run}")
        return run

    def assertFails(self, status: int, code: str, call: Any, *args: Any, **kwargs: Any) -> switchyard.SwitchyardError:
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            call(*args, **kwargs)
        err = caught.exception
        self.assertEqual((err.status, err.code), (status, code), str(err))
        return err
