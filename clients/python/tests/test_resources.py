"""Each resource method makes the contract's request and returns what the seeds' code reads."""

from __future__ import annotations

import unittest
from typing import Any, Dict

import switchyard

from .fakes import FakeHttp, body_of, error, make_client, path_of, query_of, reply

PAGE = {"items": [{"id": 1}], "next_cursor": None}

# (name, call, method, path, query, body). body None: no body sent.
CALLS = [
    # part 1
    ("memory.store", lambda c: c.memory.store(agent_id="kb", content="x", metadata={"a": 1}, memory_type="observation", importance=0.7, ttl_seconds=60),
     "POST", "/v1/memory", {}, {"agent_id": "kb", "content": "x", "metadata": {"a": 1}, "memory_type": "observation", "importance": 0.7, "ttl_seconds": 60}),
    ("memory.store_batch", lambda c: c.memory.store_batch([{"agent_id": "kb", "content": "x"}]), "POST", "/v1/memory/batch", {}, {"memories": [{"agent_id": "kb", "content": "x"}]}),
    ("memory.search", lambda c: c.memory.search(agent_id=["kb", "kb2"], query="q", top_k=5, filter={"c": {"$gte": 0.9}}, min_score=0.1, min_importance=0.2, memory_type="fact", mode="vector"),
     "POST", "/v1/memory/search", {}, {"agent_id": ["kb", "kb2"], "query": "q", "top_k": 5, "filter": {"c": {"$gte": 0.9}}, "min_score": 0.1, "min_importance": 0.2, "memory_type": "fact", "mode": "vector"}),
    ("memory.get", lambda c: c.memory.get(memory_id="mem_1"), "GET", "/v1/memory/mem_1", {}, None),
    ("memory.delete", lambda c: c.memory.delete("mem_1"), "DELETE", "/v1/memory/mem_1", {}, None),
    ("memory.list", lambda c: c.memory.list("kb", limit=2, cursor="c1", memory_type="fact"), "GET", "/v1/memory", {"agent_id": "kb", "limit": "2", "cursor": "c1", "memory_type": "fact"}, None),
    ("memory.cleanup", lambda c: c.memory.cleanup(agent_id="kb", min_importance=0.5, older_than_seconds=3600), "POST", "/v1/memory/cleanup", {}, {"agent_id": "kb", "min_importance": 0.5, "older_than_seconds": 3600}),
    ("triggers.register", lambda c: c.triggers.register(name="n", description="d", concept="c", threshold=0.85, action={"type": "agent_notify", "target_agent_id": "agent-b"}, cooldown_seconds=60, namespaces=("kb",)),
     "POST", "/v1/triggers", {}, {"name": "n", "description": "d", "concept": "c", "threshold": 0.85, "action": {"type": "agent_notify", "target_agent_id": "agent-b"}, "cooldown_seconds": 60, "namespaces": ["kb"]}),
    ("triggers.list", lambda c: c.triggers.list(limit=3), "GET", "/v1/triggers", {"limit": "3"}, None),
    ("triggers.get", lambda c: c.triggers.get("trg_1"), "GET", "/v1/triggers/trg_1", {}, None),
    ("triggers.update", lambda c: c.triggers.update("trg_1", enabled=False), "PATCH", "/v1/triggers/trg_1", {}, {"enabled": False}),
    ("triggers.delete", lambda c: c.triggers.delete("trg_1"), "DELETE", "/v1/triggers/trg_1", {}, None),
    ("triggers.test", lambda c: c.triggers.test("trg_1", "content"), "POST", "/v1/triggers/trg_1/test", {}, {"content": "content"}),
    ("inbox.poll", lambda c: c.inbox.poll(agent_id="agent-b", limit=10, wait_seconds=5, lease_seconds=60, kind="notification"),
     "GET", "/v1/inbox/agent-b", {"limit": "10", "wait_seconds": "5", "lease_seconds": "60", "kind": "notification"}, None),
    ("inbox.ack", lambda c: c.inbox.ack("agent-b", ["msg_1", switchyard.Record(item_id="ntf_2")]), "POST", "/v1/inbox/agent-b/ack", {}, {"item_ids": ["msg_1", "ntf_2"]}),
    ("inbox.send", lambda c: c.inbox.send("agent-b", {"step": 1}, type="handoff"), "POST", "/v1/inbox/agent-b/messages", {}, {"type": "handoff", "body": {"step": 1}}),
    ("inbox.send null body", lambda c: c.inbox.send("agent-b", None), "POST", "/v1/inbox/agent-b/messages", {}, {"body": None}),
    ("inbox.send_batch", lambda c: c.inbox.send_batch("agent-b", [{"body": 1}]), "POST", "/v1/inbox/agent-b/messages/batch", {}, {"messages": [{"body": 1}]}),
    ("inbox.history", lambda c: c.inbox.history("agent-b", limit=5), "GET", "/v1/inbox/agent-b/history", {"limit": "5"}, None),
    ("branches.create", lambda c: c.branches.create(label="q1", description="d", ttl_seconds=600), "POST", "/v1/branches", {}, {"label": "q1", "description": "d", "ttl_seconds": 600}),
    ("branches.get", lambda c: c.branches.get("br_1"), "GET", "/v1/branches/br_1", {}, None),
    ("branches.list", lambda c: c.branches.list(status="open"), "GET", "/v1/branches", {"status": "open"}, None),
    ("branches.write", lambda c: c.branches.write(branch_id="br_1", table="t", rows=[{"id": 1}], mode="upsert"), "POST", "/v1/branches/br_1/write", {}, {"table": "t", "rows": [{"id": 1}], "mode": "upsert"}),
    ("branches.query", lambda c: c.branches.query(branch_id="br_1", sql="SELECT ?", params=[1]), "POST", "/v1/branches/br_1/query", {}, {"sql": "SELECT ?", "params": [1]}),
    ("branches.diff", lambda c: c.branches.diff("br_1"), "GET", "/v1/branches/br_1/diff", {}, None),
    ("branches.merge", lambda c: c.branches.merge(branch_id="br_1", strategy="manual", resolutions=[{"table": "t", "key": 1, "take": "main"}]),
     "POST", "/v1/branches/br_1/merge", {}, {"strategy": "manual", "resolutions": [{"table": "t", "key": 1, "take": "main"}]}),
    ("branches.discard", lambda c: c.branches.discard(branch_id="br_1"), "POST", "/v1/branches/br_1/discard", {}, None),
    ("state.set", lambda c: c.state.set(agent_id="a", key="k", value={"x": 1}), "PUT", "/v1/state/a/k", {}, {"value": {"x": 1}}),
    ("state.set cas", lambda c: c.state.set("a", "k", None, expected_version=0), "PUT", "/v1/state/a/k", {}, {"value": None, "expected_version": 0}),
    ("state.get_entry", lambda c: c.state.get_entry("a", "k"), "GET", "/v1/state/a/k", {}, None),
    ("state.delete", lambda c: c.state.delete("a", "k", expected_version=3), "DELETE", "/v1/state/a/k", {"expected_version": "3"}, None),
    ("state.list", lambda c: c.state.list("a"), "GET", "/v1/state/a", {}, None),
    ("query", lambda c: c.query("SELECT * FROM t WHERE a = ?", ["x"]), "POST", "/v1/query", {}, {"sql": "SELECT * FROM t WHERE a = ?", "params": ["x"]}),
    ("whoami", lambda c: c.whoami(), "GET", "/v1/whoami", {}, None),
    ("cot.log", lambda c: c.cot.log(session_id="s", step_type="decision", content="c", input_data={"i": 1}, output_data=[1], importance=0.9, metadata={"m": 1}),
     "POST", "/v1/cot", {}, {"session_id": "s", "step_type": "decision", "content": "c", "input_data": {"i": 1}, "output_data": [1], "importance": 0.9, "metadata": {"m": 1}}),
    ("cot.log_batch", lambda c: c.cot.log_batch("s", [{"step_type": "action", "content": "c"}]), "POST", "/v1/cot/s/steps", {}, {"steps": [{"step_type": "action", "content": "c"}]}),
    ("cot.get", lambda c: c.cot.get("s", limit=10), "GET", "/v1/cot/s", {"limit": "10"}, None),
    ("cot.verify_chain", lambda c: c.cot.verify_chain(session_id="s"), "POST", "/v1/cot/s/verify", {}, None),
    ("cot.sessions", lambda c: c.cot.sessions(agent_id="agent-a", since="2026-11-21T00:00:00.000Z"), "GET", "/v1/cot", {"agent_id": "agent-a", "since": "2026-11-21T00:00:00.000Z"}, None),
    ("agents.create", lambda c: c.agents.create("sup", "reader", attributes={"team": "x"}), "POST", "/v1/agents", {}, {"agent_id": "sup", "role": "reader", "attributes": {"team": "x"}}),
    ("agents.update", lambda c: c.agents.update("sup", description="d"), "PATCH", "/v1/agents/sup", {}, {"description": "d"}),
    ("agents.keys.create", lambda c: c.agents.keys.create("sup"), "POST", "/v1/agents/sup/keys", {}, None),
    ("agents.keys.revoke", lambda c: c.agents.keys.revoke("sup", "key_1"), "DELETE", "/v1/agents/sup/keys/key_1", {}, None),
    ("policies.create", lambda c: c.policies.create("deny", ["memory:write"], ["memory:kb"], policy_id="p", condition='subject.agent_id != "a"'),
     "POST", "/v1/policies", {}, {"policy_id": "p", "effect": "deny", "actions": ["memory:write"], "resources": ["memory:kb"], "condition": 'subject.agent_id != "a"'}),
    ("webhooks.deliveries", lambda c: c.webhooks.deliveries(status="dead"), "GET", "/v1/webhooks/deliveries", {"status": "dead"}, None),
    ("webhooks.replay", lambda c: c.webhooks.replay("dlv_1"), "POST", "/v1/webhooks/deliveries/dlv_1/replay", {}, None),
    # part 2
    ("versions.publish", lambda c: c.versions.publish("revenue-analyst", "1.3.0-beta", description="d", output_schema={"type": "object"}, tags=["beta"]),
     "POST", "/v1/agents/revenue-analyst/versions", {}, {"version": "1.3.0-beta", "description": "d", "output_schema": {"type": "object"}, "tags": ["beta"]}),
    ("versions.list", lambda c: c.versions.list("revenue-analyst"), "GET", "/v1/agents/revenue-analyst/versions", {}, None),
    ("versions.get", lambda c: c.versions.get("revenue-analyst", "1.2.0"), "GET", "/v1/agents/revenue-analyst/versions/1.2.0", {}, None),
    ("versions.deprecate", lambda c: c.versions.deprecate("revenue-analyst", "1.2.0", reason="r"), "POST", "/v1/agents/revenue-analyst/versions/1.2.0/deprecate", {}, {"reason": "r"}),
    ("versions.promote", lambda c: c.versions.promote("revenue-analyst", "1.2.0"), "POST", "/v1/agents/revenue-analyst/versions/1.2.0/promote", {}, None),
    ("versions.endpoint_secret", lambda c: c.versions.endpoint_secret("revenue-analyst"), "GET", "/v1/agents/revenue-analyst/endpoint-secret", {}, None),
    ("versions.resolve", lambda c: c.versions.resolve("revenue-analyst", ">=1.2 <2"), "GET", "/v1/agents/revenue-analyst/versions/resolve", {"ref": ">=1.2 <2"}, None),
    ("workflows.put json", lambda c: c.workflows.put("wf", {"coordination": {"pattern": "hierarchical"}}), "PUT", "/v1/workflows/wf", {}, {"coordination": {"pattern": "hierarchical"}}),
    ("workflows.get", lambda c: c.workflows.get("wf", revision=2), "GET", "/v1/workflows/wf", {"revision": "2"}, None),
    ("workflows.list", lambda c: c.workflows.list(), "GET", "/v1/workflows", {}, None),
    ("workflows.revisions", lambda c: c.workflows.revisions("wf"), "GET", "/v1/workflows/wf/revisions", {}, None),
    ("workflows.delete", lambda c: c.workflows.delete("wf"), "DELETE", "/v1/workflows/wf", {}, None),
    ("workflows.rollback", lambda c: c.workflows.rollback("wf", 3), "POST", "/v1/workflows/wf/rollback", {}, {"revision": 3}),
    ("workflows.start", lambda c: c.workflows.start("wf", input={"q": "Q3"}), "POST", "/v1/workflows/wf/runs", {}, {"input": {"q": "Q3"}}),
    ("workflows.dry_run", lambda c: c.workflows.dry_run("wf", input={"q": 1}, agents={"cost-analyzer": {"fail": True}}),
     "POST", "/v1/dry-runs", {}, {"workflow": "wf", "input": {"q": 1}, "agents": {"cost-analyzer": {"fail": True}}}),
    ("workflows.dry_run definition", lambda c: c.workflows.dry_run(definition="coordination: {}\n", event={"type": "data.loaded", "data": {}}),
     "POST", "/v1/dry-runs", {}, {"definition": "coordination: {}\n", "event": {"type": "data.loaded", "data": {}}}),
    ("workflows.get_dry_run", lambda c: c.workflows.get_dry_run("dry_1"), "GET", "/v1/dry-runs/dry_1", {}, None),
    ("workflows.triggers", lambda c: c.workflows.triggers("wf"), "GET", "/v1/workflows/wf/triggers", {}, None),
    ("workflows.schedule", lambda c: c.workflows.schedule("wf", from_="2026-03-08T00:00:00.000Z", count=5), "GET", "/v1/workflows/wf/schedule", {"from": "2026-03-08T00:00:00.000Z", "count": "5"}, None),
    ("workflows.rotate_hook", lambda c: c.workflows.rotate_hook("wf", "/hooks/revenue-report"), "POST", "/v1/workflows/wf/hooks/rotate", {}, {"path": "/hooks/revenue-report"}),
    ("workflows.graph", lambda c: c.workflows.graph("wf"), "GET", "/v1/workflows/wf/graph", {}, None),
    ("workflows.bottlenecks", lambda c: c.workflows.bottlenecks("wf", since="2026-11-01T00:00:00.000Z"), "GET", "/v1/workflows/wf/bottlenecks", {"since": "2026-11-01T00:00:00.000Z"}, None),
    ("runs.start", lambda c: c.runs.start("wf"), "POST", "/v1/workflows/wf/runs", {}, {}),
    ("runs.get", lambda c: c.runs.get("run_1"), "GET", "/v1/runs/run_1", {}, None),
    ("runs.list", lambda c: c.runs.list(workflow="wf", status="failed"), "GET", "/v1/runs", {"workflow": "wf", "status": "failed"}, None),
    ("runs.cancel", lambda c: c.runs.cancel("run_1"), "POST", "/v1/runs/run_1/cancel", {}, {}),
    ("runs.cancel reason", lambda c: c.runs.cancel("run_1", "superseded"), "POST", "/v1/runs/run_1/cancel", {}, {"reason": "superseded"}),
    ("runs.messages", lambda c: c.runs.messages("run_1"), "GET", "/v1/runs/run_1/messages", {}, None),
    ("runs.send_message", lambda c: c.runs.send_message("run_1", "raw_records", [1], to="data-enricher"), "POST", "/v1/runs/run_1/messages", {}, {"to": "data-enricher", "schema": "raw_records", "body": [1]}),
    ("runs.delegate", lambda c: c.runs.delegate("run_1", "sales-analyst", {"region": "EU"}), "POST", "/v1/runs/run_1/delegate", {}, {"worker": "sales-analyst", "input": {"region": "EU"}}),
    ("runs.delegate no input", lambda c: c.runs.delegate("run_1", "sales-analyst"), "POST", "/v1/runs/run_1/delegate", {}, {"worker": "sales-analyst"}),
    ("runs.state.all", lambda c: c.runs.state.all("run_1", at="2026-11-21T10:00:00.000Z"), "GET", "/v1/runs/run_1/state", {"at": "2026-11-21T10:00:00.000Z"}, None),
    ("runs.state.get", lambda c: c.runs.state.get("run_1", "k"), "GET", "/v1/runs/run_1/state/k", {}, None),
    ("runs.state.set", lambda c: c.runs.state.set("run_1", "k", None), "PUT", "/v1/runs/run_1/state/k", {}, {"value": None}),
    ("runs.state.history", lambda c: c.runs.state.history("run_1", "k"), "GET", "/v1/runs/run_1/state/k/history", {}, None),
    ("runs.state", lambda c: c.runs.state("run_1", at="2026-11-21T10:00:00.000Z"), "GET", "/v1/runs/run_1/state", {"at": "2026-11-21T10:00:00.000Z"}, None),
    ("runs.get_state", lambda c: c.runs.get_state("run_1", "revenue_by_region"), "GET", "/v1/runs/run_1/state/revenue_by_region", {}, None),
    ("runs.set_state", lambda c: c.runs.set_state("run_1", "k", {"v": 1}, expected_version=0), "PUT", "/v1/runs/run_1/state/k", {}, {"value": {"v": 1}, "expected_version": 0}),
    ("runs.state_history", lambda c: c.runs.state_history("run_1", "k"), "GET", "/v1/runs/run_1/state/k/history", {}, None),
    ("runs.trace", lambda c: c.runs.trace("run_1", format="otlp"), "GET", "/v1/runs/run_1/trace", {"format": "otlp"}, None),
    ("tasks.get", lambda c: c.tasks.get("tsk_1"), "GET", "/v1/tasks/tsk_1", {}, None),
    ("tasks.complete", lambda c: c.tasks.complete("tsk_1", {"total": 3}, usage={"tokens_in": 1, "tokens_out": 2}, state={"k": 1}),
     "POST", "/v1/tasks/tsk_1/complete", {}, {"output": {"total": 3}, "usage": {"tokens_in": 1, "tokens_out": 2}, "state": {"k": 1}}),
    ("tasks.complete null output", lambda c: c.tasks.complete("tsk_1", None), "POST", "/v1/tasks/tsk_1/complete", {}, {"output": None}),
    ("tasks.complete no output", lambda c: c.tasks.complete("tsk_1"), "POST", "/v1/tasks/tsk_1/complete", {}, {}),
    ("tasks.fail", lambda c: c.tasks.fail("tsk_1", "upstream_down", "the warehouse did not answer"),
     "POST", "/v1/tasks/tsk_1/complete", {}, {"status": "failed", "error": {"code": "upstream_down", "message": "the warehouse did not answer"}}),
    ("tasks.heartbeat", lambda c: c.tasks.heartbeat("tsk_1", progress=0.5), "POST", "/v1/tasks/tsk_1/heartbeat", {}, {"progress": 0.5}),
    ("tasks.feedback", lambda c: c.tasks.feedback("tsk_1", "up", comment="great"), "POST", "/v1/tasks/tsk_1/feedback", {}, {"rating": "up", "comment": "great"}),
    ("events.publish", lambda c: c.events.publish("data.loaded", {"source": "sales_warehouse"}, source="etl", event_id="load-1", time="2026-11-21T10:00:00.000Z"),
     "POST", "/v1/events", {}, {"type": "data.loaded", "data": {"source": "sales_warehouse"}, "source": "etl", "event_id": "load-1", "time": "2026-11-21T10:00:00.000Z"}),
    ("events.list", lambda c: c.events.list(type="data.loaded"), "GET", "/v1/events", {"type": "data.loaded"}, None),
    ("events.get", lambda c: c.events.get("evt_1"), "GET", "/v1/events/evt_1", {}, None),
    ("event_types.put", lambda c: c.event_types.put("anomaly.detected", {"type": "object"}, description="d"), "PUT", "/v1/event-types/anomaly.detected", {}, {"schema": {"type": "object"}, "description": "d"}),
    ("event_types.list", lambda c: c.event_types.list(), "GET", "/v1/event-types", {}, None),
    ("event_types.get", lambda c: c.event_types.get("anomaly.detected"), "GET", "/v1/event-types/anomaly.detected", {}, None),
    ("event_types.delete", lambda c: c.event_types.delete("anomaly.detected"), "DELETE", "/v1/event-types/anomaly.detected", {}, None),
    ("ab_tests.create", lambda c: c.ab_tests.create("revenue-analyst", {"a": "1.2.0", "b": "1.3.0-beta"}, {"a": 80, "b": 20}, ["success_rate"], duration_days=14, auto_rollback=True),
     "POST", "/v1/ab-tests", {}, {"agent": "revenue-analyst", "versions": {"a": "1.2.0", "b": "1.3.0-beta"}, "traffic_split": {"a": 80, "b": 20}, "metrics": ["success_rate"], "duration_days": 14, "auto_rollback": True}),
    ("ab_tests.get", lambda c: c.ab_tests.get("ab_1"), "GET", "/v1/ab-tests/ab_1", {}, None),
    ("ab_tests.list", lambda c: c.ab_tests.list(agent="revenue-analyst", status="running"), "GET", "/v1/ab-tests", {"agent": "revenue-analyst", "status": "running"}, None),
    ("ab_tests.stop", lambda c: c.ab_tests.stop("ab_1"), "POST", "/v1/ab-tests/ab_1/stop", {}, {}),
    ("ab_tests.stop reason", lambda c: c.ab_tests.stop("ab_1", "b is worse"), "POST", "/v1/ab-tests/ab_1/stop", {}, {"reason": "b is worse"}),
    ("ab_tests.promote", lambda c: c.ab_tests.promote("ab_1"), "POST", "/v1/ab-tests/ab_1/promote", {}, None),
    ("guard_rails.get", lambda c: c.guard_rails.get(), "GET", "/v1/guard-rails", {}, None),
    ("guard_rails.put", lambda c: c.guard_rails.put(requests_per_minute=600, pii={"detect": ["email"], "mode": "redact"}),
     "PUT", "/v1/guard-rails", {}, {"requests_per_minute": 600, "pii": {"detect": ["email"], "mode": "redact"}}),
]

# Answers shaped as each call expects, so the call can return what it promises.
ANSWER: Dict[str, Any] = {
    "memory.search": {"results": []},
    "memory.store_batch": {"items": []},
    "inbox.poll": {"items": []},
    "inbox.send_batch": {"items": []},
    "runs.messages": {"items": []},
    "runs.send_message": {"items": []},
    "runs.state_history": {"items": []},
    "runs.state.history": {"items": []},
    "cot.get": {"steps": [], "next_cursor": None},
}

CREATING = {
    "memory.store", "memory.store_batch", "triggers.register", "inbox.send", "inbox.send null body", "inbox.send_batch", "branches.create", "cot.log",
    "cot.log_batch", "agents.create", "agents.keys.create", "policies.create", "versions.publish", "workflows.start", "runs.start",
    "runs.send_message", "runs.delegate", "runs.delegate no input", "tasks.complete", "tasks.complete null output", "tasks.complete no output", "tasks.fail",
    "tasks.feedback", "events.publish", "ab_tests.create",
}


class ContractRequestsTest(unittest.TestCase):
    def test_each_call_makes_the_contracts_request(self) -> None:
        for name, call, method, path, query, body in CALLS:
            with self.subTest(name):
                answer = ANSWER.get(name, PAGE)
                http = FakeHttp(reply(200, answer))
                client, _ = make_client(http)
                call(client)
                req = http.last
                self.assertEqual(len(http.requests), 1)
                self.assertEqual((req.method, path_of(req)), (method, path))
                self.assertEqual(query_of(req), query)
                self.assertEqual(body_of(req), body)
                self.assertEqual("idempotency-key" in req.headers, name in CREATING, "Idempotency-Key on creating calls only")

    def test_a_workflow_in_yaml_is_sent_as_yaml(self) -> None:
        yaml = "description: Quarterly revenue pipeline\ncoordination:\n  pattern: hierarchical\n"
        http = FakeHttp(reply(201, {"name": "wf", "revision": 1, "warnings": []}), reply(201, {"ab_test_id": "ab_1"}))
        client, _ = make_client(http)
        self.assertEqual(client.workflows.put("wf", yaml).revision, 1)
        self.assertEqual((http.last.method, path_of(http.last), http.last.headers["content-type"], http.last.body), ("PUT", "/v1/workflows/wf", "application/yaml", yaml.encode()))
        client.ab_tests.create_from_yaml("ab_test:\n  agent: revenue-analyst\n")
        self.assertEqual((path_of(http.last), http.last.headers["content-type"]), ("/v1/ab-tests", "application/yaml"))
        self.assertIn("idempotency-key", http.last.headers)

    def test_a_dry_run_takes_exactly_one_of_workflow_and_definition(self) -> None:
        client, _ = make_client(FakeHttp())
        with self.assertRaisesRegex(ValueError, "exactly one"):
            client.workflows.dry_run()
        with self.assertRaisesRegex(ValueError, "exactly one"):
            client.workflows.dry_run("wf", definition={"coordination": {}})


class SeedShapesTest(unittest.TestCase):
    """What the seeds' code reads from the answers."""

    def test_search_results_are_a_list_of_records_with_score_and_content(self) -> None:
        http = FakeHttp(reply(200, {"results": [{"memory_id": "mem_1", "content": "Enterprise LTV", "score": 0.912}]}))
        client, _ = make_client(http)
        results = client.memory.search(agent_id="shared-knowledge-base", query="Which segment?", top_k=5)
        self.assertIsInstance(results, list)
        self.assertEqual([f"[{r.score:.2f}] {r.content}" for r in results], ["[0.91] Enterprise LTV"])

    def test_poll_is_a_list_of_items_whose_source_memory_id_reads_as_an_attribute(self) -> None:
        item = {"item_id": "ntf_1", "kind": "notification", "source_memory_id": "mem_9", "trigger_name": "t", "score": 0.9}
        http = FakeHttp(reply(200, {"items": [item]}), reply(200, {"memory_id": "mem_9", "content": "c"}))
        client, _ = make_client(http)
        notifications = client.inbox.poll(agent_id="agent-b", limit=10)
        self.assertEqual([n.source_memory_id for n in notifications], ["mem_9"])
        self.assertEqual(client.memory.get(memory_id=notifications[0].source_memory_id).content, "c")

    def test_state_get_returns_the_value_itself(self) -> None:
        entry = {"agent_id": "pipeline-agent-a", "key": "phase1_output", "value": {"output_table": "cleaned", "anomalies_detected": 3}, "version": 1, "updated_at": "x"}
        http = FakeHttp(reply(200, entry), reply(200, {**entry, "value": 42}), error(404, "not_found"), error(404, "not_found"), error(403, "forbidden"))
        client, _ = make_client(http)
        phase1 = client.state.get(agent_id="pipeline-agent-a", key="phase1_output")
        self.assertEqual((phase1["output_table"], phase1.anomalies_detected), ("cleaned", 3))
        self.assertEqual(client.state.get("pipeline-agent-a", "n"), 42)
        self.assertEqual(client.state.get("pipeline-agent-a", "unset", default={}), {})
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            client.state.get("pipeline-agent-a", "unset")
        self.assertEqual(caught.exception.code, "not_found")
        with self.assertRaises(switchyard.SwitchyardError):
            client.state.get("pipeline-agent-a", "hidden", default=None)  # a default answers 404 only

    def test_query_answers_rows_and_columns(self) -> None:
        http = FakeHttp(reply(200, {"columns": ["agent_id", "denied_queries"], "rows": [{"agent_id": "rogue", "denied_queries": 12}], "row_count": 1, "duration_ms": 1.2, "truncated": False}))
        client, _ = make_client(http)
        result = client.query("SELECT ...")
        self.assertEqual(result.columns, ["agent_id", "denied_queries"])
        self.assertEqual([(row["agent_id"], row.denied_queries) for row in result.rows], [("rogue", 12)])

    def test_verify_chain_answers_chain_intact_and_broken_links(self) -> None:
        http = FakeHttp(reply(200, {"session_id": "s", "chain_intact": False, "entries_checked": 4, "broken_links": [{"step_index": 2, "reason": "hash_mismatch"}]}))
        client, _ = make_client(http)
        result = client.cot.verify_chain(session_id="s")
        self.assertFalse(result.chain_intact)
        self.assertEqual(result.broken_links[0].step_index, 2)

    def test_branch_create_answers_branch_id(self) -> None:
        http = FakeHttp(reply(201, {"branch_id": "br_1", "label": "q1-forecast-experiment", "status": "open"}))
        client, _ = make_client(http)
        self.assertEqual(client.branches.create(label="q1-forecast-experiment", description="Test").branch_id, "br_1")


class PaginationTest(unittest.TestCase):
    def test_lists_are_pages_and_list_all_walks_every_page(self) -> None:
        pages = [
            reply(200, {"items": [{"trigger_id": "trg_1"}, {"trigger_id": "trg_2"}], "next_cursor": "c2"}),
            reply(200, {"items": [{"trigger_id": "trg_3"}], "next_cursor": None}),
        ]
        http = FakeHttp(*pages, reply(200, {"items": [{"trigger_id": "trg_1"}], "next_cursor": "c2"}))
        client, _ = make_client(http)
        self.assertEqual([t.trigger_id for t in client.triggers.list_all(limit=2)], ["trg_1", "trg_2", "trg_3"])
        self.assertEqual([query_of(r) for r in http.requests], [{"limit": "2"}, {"limit": "2", "cursor": "c2"}])
        page = client.triggers.list()
        self.assertIsInstance(page, switchyard.Page)
        self.assertEqual((len(page), page.next_cursor), (1, "c2"))

    def test_stops_when_the_server_repeats_a_cursor(self) -> None:
        same = reply(200, {"items": [{"a": 1}], "next_cursor": "c1"})
        http = FakeHttp(same, same)
        client, _ = make_client(http)
        with self.assertRaisesRegex(switchyard.SwitchyardError, "same cursor twice"):
            list(client.agents.list_all())

    def test_steps_walks_a_long_session_in_pages(self) -> None:
        http = FakeHttp(
            reply(200, {"steps": [{"step_index": 0}, {"step_index": 1}], "next_cursor": "c2"}),
            reply(200, {"steps": [{"step_index": 2}], "next_cursor": None}),
        )
        client, _ = make_client(http)
        self.assertEqual([s.step_index for s in client.cot.steps("s")], [0, 1, 2])
        self.assertEqual([query_of(r) for r in http.requests], [{"limit": "1000"}, {"limit": "1000", "cursor": "c2"}])

    def test_a_list_answer_of_another_shape_is_an_invalid_response(self) -> None:
        http = FakeHttp(reply(200, {"results": []}))
        client, _ = make_client(http)
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            client.branches.list()
        self.assertEqual(caught.exception.code, "invalid_response")


if __name__ == "__main__":
    unittest.main()
