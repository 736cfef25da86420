"""The Python client against a real Switchyard: every part-1 resource, the contract's errors as
SwitchyardError, idempotency keys honoured by the server, pages, and an idle worker stopping cleanly.

Run by ``test/e2e/python-client.test.ts`` with ``SWITCHYARD_URL`` and ``SWITCHYARD_ADMIN_TOKEN`` set;
it creates its own agents (``py-*``), so it shares a server with the seed patterns harmlessly.
"""

from __future__ import annotations

import os
import threading
import unittest
import uuid
from typing import Dict, List

import switchyard

ISO_MS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run this through test/e2e/python-client.test.ts")
    return value


BASE_URL = _env("SWITCHYARD_URL")
ADMIN = switchyard.Client(api_key=_env("SWITCHYARD_ADMIN_TOKEN"), base_url=BASE_URL)
KEYS: Dict[str, str] = {}


def setUpModule() -> None:
    for agent_id, role in [("py-writer", "agent"), ("py-peer", "agent"), ("py-reader", "reader")]:
        ADMIN.agents.create(agent_id, role, description=f"python client e2e: {role}")
        KEYS[agent_id] = ADMIN.agents.keys.create(agent_id).api_key


def as_agent(agent_id: str) -> switchyard.Client:
    return switchyard.Client(api_key=KEYS[agent_id], base_url=BASE_URL)


class Case(unittest.TestCase):
    def assertFails(self, status: int, code: str, call, *args, **kwargs) -> switchyard.SwitchyardError:  # type: ignore[no-untyped-def]
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            call(*args, **kwargs)
        err = caught.exception
        self.assertEqual((err.status, err.code), (status, code), str(err))
        self.assertTrue(err.message)
        return err


class AgentsAndKeysTest(Case):
    def test_keys_identify_their_agents_and_stop_working_once_revoked(self) -> None:
        self.assertEqual(as_agent("py-reader").whoami(), {"agent_id": "py-reader", "role": "reader", "attributes": {}})
        self.assertEqual(ADMIN.agents.get("py-writer").description, "python client e2e: agent")
        ADMIN.agents.create("py-temp")
        issued = ADMIN.agents.keys.create("py-temp")
        temp = switchyard.Client(api_key=issued.api_key, base_url=BASE_URL)
        self.assertEqual(temp.whoami().agent_id, "py-temp")
        ADMIN.agents.keys.revoke("py-temp", issued.key_id)
        self.assertFails(401, "unauthorized", temp.whoami)
        self.assertFails(409, "conflict", ADMIN.agents.create, "py-temp")
        self.assertIn("py-writer", [a.agent_id for a in ADMIN.agents.list_all(limit=2)])


class ErrorsTest(Case):
    def test_the_contracts_errors_arrive_as_switchyard_errors(self) -> None:
        writer = as_agent("py-writer")
        self.assertFails(404, "not_found", writer.memory.get, "mem_00000000000000000000000000")
        bad = self.assertFails(400, "invalid_request", writer.memory.store, agent_id="py-writer", content="x", importance=2)
        self.assertIn("importance", str(bad.details))
        self.assertEqual(len(writer.memory.list("py-writer")), 0)  # nothing stored
        denied = self.assertFails(403, "forbidden", as_agent("py-reader").memory.store, agent_id="py-reader", content="x")
        self.assertEqual(denied.details.action, "memory:write")
        self.assertFails(403, "forbidden", as_agent("py-peer").memory.search, agent_id="py-writer", query="private?")
        writer.state.set("py-writer", "draft", "v1")
        self.assertFails(409, "conflict", writer.state.set, "py-writer", "draft", "v2", expected_version=7)
        self.assertFails(422, "unprocessable", writer.query, "SELEC nothing")
        self.assertFails(400, "invalid_request", writer.query, "SELECT 1; SELECT 2")


class MemoryTest(Case):
    def test_an_idempotency_key_makes_a_repeat_return_the_first_memory(self) -> None:
        writer = as_agent("py-writer")
        key = f"store-{uuid.uuid4()}"
        first = writer.memory.store(agent_id="py-idem", content="Renewals close in March.", idempotency_key=key)
        again = writer.memory.store(agent_id="py-idem", content="Renewals close in March.", idempotency_key=key)
        self.assertEqual(again.memory_id, first.memory_id)
        self.assertEqual([m.memory_id for m in writer.memory.list("py-idem")], [first.memory_id])
        reused = self.assertFails(409, "conflict", writer.memory.store, agent_id="py-idem", content="Something else.", idempotency_key=key)
        self.assertEqual(reused.details.reason, "idempotency_key_reused")

    def test_pages_cleanup_and_delete(self) -> None:
        writer = as_agent("py-writer")
        stored = [writer.memory.store("py-writer", f"note {i}", importance=0.2 if i % 2 else 0.8) for i in range(5)]
        page = writer.memory.list("py-writer", limit=2)
        self.assertEqual((len(page), page.has_more), (2, True))
        everything = list(writer.memory.list_all("py-writer", limit=2))
        self.assertEqual(sorted(m.memory_id for m in everything), sorted(m.memory_id for m in stored))
        self.assertEqual(writer.memory.cleanup("py-writer", 0.5).deleted, 2)
        kept = [m for m in stored if m.importance >= 0.5]
        self.assertEqual(writer.memory.delete(kept[0].memory_id).memory_id, kept[0].memory_id)
        self.assertFails(404, "not_found", writer.memory.get, kept[0].memory_id)
        self.assertEqual(len(writer.memory.list("py-writer")), 2)

    def test_search_filters_by_metadata_and_reads_as_records(self) -> None:
        writer = as_agent("py-writer")
        writer.memory.store("py-search", "Churn in the SMB segment rose after the price change.", {"topic": "churn", "confidence": 0.95})
        writer.memory.store("py-search", "Churn in mid-market stayed flat this quarter.", {"topic": "churn", "confidence": 0.4})
        results = writer.memory.search(agent_id="py-search", query="churn", filter={"confidence": {"$gte": 0.9}})
        self.assertEqual([r.metadata.confidence for r in results], [0.95])
        self.assertGreater(results[0].score, 0)
        self.assertRegex(results[0].created_at, ISO_MS)


class StateTest(Case):
    def test_versions_compare_and_set_and_listing(self) -> None:
        writer, peer = as_agent("py-writer"), as_agent("py-peer")
        key = "phase1.output:v2-draft"  # . and : are allowed in keys, and must survive the path encoding
        first = writer.state.set("py-writer", key, {"step": 1})
        self.assertEqual((first.key, first.version), (key, 1))
        self.assertEqual(writer.state.set("py-writer", key, {"step": 2}, expected_version=1).version, 2)
        self.assertEqual(peer.state.get("py-writer", key).step, 2)
        self.assertEqual(peer.state.get_entry("py-writer", key).version, 2)
        self.assertIn(key, [k.key for k in writer.state.list("py-writer")])
        self.assertIsNone(peer.state.get("py-writer", "never-set", default=None))
        self.assertFails(404, "not_found", peer.state.get, "py-writer", "never-set")
        writer.state.delete("py-writer", key, expected_version=2)
        self.assertFails(404, "not_found", writer.state.get, "py-writer", key)
        self.assertEqual(writer.state.set("py-writer", "empty", None).value, None)
        self.assertIsNone(writer.state.get("py-writer", "empty"))


class InboxTest(Case):
    def test_send_poll_with_a_lease_ack_and_history(self) -> None:
        writer, peer = as_agent("py-writer"), as_agent("py-peer")
        sent = writer.inbox.send("py-peer", {"step": "analyse", "table": "accounts_q3"}, type="handoff")
        writer.inbox.send_batch("py-peer", [{"body": i} for i in range(3)])
        items = peer.inbox.poll("py-peer", limit=10, lease_seconds=30)
        self.assertEqual([i.kind for i in items], ["message"] * 4)
        self.assertEqual((items[0].item_id, items[0].from_agent_id, items[0].type, items[0].body.table), (sent.item_id, "py-writer", "handoff", "accounts_q3"))
        acked = peer.inbox.ack("py-peer", items)
        self.assertEqual(sorted(acked.acked), sorted(i.item_id for i in items))
        self.assertEqual(peer.inbox.poll("py-peer", wait_seconds=1), [])
        self.assertEqual([i.item_id for i in peer.inbox.history("py-peer")], [i.item_id for i in reversed(items)])
        self.assertFails(403, "forbidden", writer.inbox.poll, "py-peer")


class TriggersTest(Case):
    def test_register_test_update_and_delete(self) -> None:
        writer = as_agent("py-writer")
        trigger = writer.triggers.register(
            name="py-churn", concept="customer churn rising in a segment", threshold=0.3,
            action={"type": "agent_notify", "target_agent_id": "py-peer"}, namespaces=["py-trigger-ns"], cooldown_seconds=0,
        )
        self.assertEqual((trigger.enabled, trigger.namespaces), (True, ["py-trigger-ns"]))
        probe = writer.triggers.test(trigger.trigger_id, "Churn in the SMB segment is rising.")
        self.assertEqual((probe.matched, probe.trigger_name), (True, "py-churn"))
        self.assertEqual(writer.triggers.update(trigger.trigger_id, threshold=0.99).threshold, 0.99)
        self.assertFalse(writer.triggers.test(trigger.trigger_id, "Churn in the SMB segment is rising.").matched)
        self.assertIn(trigger.trigger_id, [t.trigger_id for t in writer.triggers.list_all()])
        writer.triggers.delete(trigger.trigger_id)
        self.assertFails(404, "not_found", writer.triggers.get, trigger.trigger_id)


class BranchesTest(Case):
    def test_upsert_diff_list_and_discard(self) -> None:
        writer = as_agent("py-writer")
        branch = writer.branches.create(label="py-experiment", ttl_seconds=600)
        self.assertEqual(branch.status, "open")
        written = writer.branches.write(branch.branch_id, "py_forecast", [{"id": "2027-Q1", "arr": 1}, {"id": "2027-Q2", "arr": 2}], mode="upsert")
        self.assertEqual(written.written, 2)
        writer.branches.write(branch.branch_id, "py_forecast", [{"id": "2027-Q1", "arr": 5}], mode="upsert")
        rows = writer.branches.query(branch.branch_id, "SELECT id, arr FROM py_forecast WHERE arr > ? ORDER BY id", [1]).rows
        self.assertEqual(rows, [{"id": "2027-Q1", "arr": 5}, {"id": "2027-Q2", "arr": 2}])
        diff = writer.branches.diff(branch.branch_id)
        self.assertIn("py_forecast", str(diff))
        self.assertIn(branch.branch_id, [b.branch_id for b in writer.branches.list(status="open")])
        self.assertEqual(writer.branches.discard(branch.branch_id).status, "discarded")
        self.assertFails(422, "unprocessable", writer.query, "SELECT * FROM py_forecast")  # main never saw it


class CotTest(Case):
    def test_steps_chain_and_verify(self) -> None:
        writer = as_agent("py-writer")
        session = f"py-session-{uuid.uuid4().hex[:8]}"
        logged = [writer.cot.log(session, t, f"{t}: invoice 42", importance=0.9 if t == "decision" else None) for t in ("observation", "analysis", "decision")]
        self.assertEqual([s.step_index for s in logged], [0, 1, 2])
        self.assertEqual(logged[0].prev_hash, "0" * 64)
        writer.cot.log_batch(session, [{"step_type": "action", "content": "corrected the entry"}])
        steps = as_agent("py-reader").cot.steps(session)
        self.assertEqual([s.step_index for s in steps], [0, 1, 2, 3])
        self.assertEqual([s.prev_hash for s in steps[1:]], [s.hash for s in steps[:-1]])
        verdict = as_agent("py-reader").cot.verify_chain(session_id=session)
        self.assertEqual((verdict.chain_intact, verdict.entries_checked, verdict.broken_links), (True, 4, []))
        self.assertIn(session, [s.session_id for s in as_agent("py-reader").cot.sessions_all(agent_id="py-writer")])


class WorkerTest(Case):
    def test_an_idle_worker_long_polls_and_stops_when_asked(self) -> None:
        worker = as_agent("py-peer").worker("py-peer", wait_seconds=1)
        handled: List[int] = []
        thread = threading.Thread(target=lambda: handled.append(worker.run(lambda task: None)))
        thread.start()
        thread.join(1.5)
        worker.stop()
        thread.join(10)
        self.assertFalse(thread.is_alive())
        self.assertEqual(handled, [0])


if __name__ == "__main__":
    unittest.main()
