"""The seed's (Datafi) coordination patterns against a real Switchyard, every agent a Python worker loop:
hierarchical with a supervisor synthesis, message-passing with schemas and a refused output corrected,
shared state through ``runs.state``, and event-driven runs with their decisions.

The YAML blocks are the seed's, with their indentation restored; the message-passing chain gets a
``schemas:`` block for its three message schemas.
"""

from __future__ import annotations

import threading
import time
import unittest
from typing import Any, Dict, List

import switchyard

from .seed_setup import ADMIN, WorkersCase, agent

HIERARCHICAL = """\
coordination:
  pattern: hierarchical
  supervisor: executive-analyst
  workers:
    - name: sales-analyst
      task: "Analyze Q3 sales performance"
    - name: marketing-analyst
      task: "Analyze Q3 campaign effectiveness"
    - name: ops-analyst
      task: "Analyze Q3 operational efficiency"
  aggregation:
    strategy: supervisor-synthesis
    timeout_seconds: 300
"""

MESSAGE_PASSING = """\
coordination:
  pattern: message-passing
  flow:
    - from: data-collector
      to: data-enricher
      message:
        schema: raw_records
    - from: data-enricher
      to: report-generator
      message:
        schema: enriched_records
    - from: report-generator
      to: email-distributor
      message:
        schema: formatted_report
schemas:
  raw_records: {type: object, required: [records], properties: {records: {type: array}}}
  enriched_records: {type: object, required: [records, enriched_at], properties: {records: {type: array}, enriched_at: {type: string}}}
  formatted_report: {type: object, required: [title, body], properties: {title: {type: string}, body: {type: string}}}
"""

SHARED_STATE = """\
coordination:
  pattern: shared-state
  state_store:
    type: key-value
    conflict_resolution: last-write-wins
  agents:
    - name: revenue-analyzer
      writes: ["revenue_by_region", "revenue_trends"]
    - name: cost-analyzer
      writes: ["cost_by_region", "cost_trends"]
    - name: profitability-summarizer
      reads: ["revenue_by_region", "cost_by_region", "revenue_trends", "cost_trends"]
      writes: ["profitability_report"]
"""

EVENT_DRIVEN = """\
coordination:
  pattern: event-driven
  events:
    - type: data.loaded
      filter: "source == 'sales_warehouse'"
      agents:
        - data-quality-checker
        - schema-drift-detector
    - type: anomaly.detected
      filter: "severity >= 'high'"
      agents:
        - incident-reporter
        - auto-remediation-agent
"""

WORKERS = {
    "sales-analyst": {"revenue_growth": "12%", "top_region": "emea"},
    "marketing-analyst": {"campaigns_paid_back": 2, "campaigns": 5},
    "ops-analyst": {"fulfilment_days": 2.5, "trend": "improving"},
}


def setUpModule() -> None:
    agents = [
        "executive-analyst", *WORKERS, "data-collector", "data-enricher", "report-generator", "email-distributor",
        "revenue-analyzer", "cost-analyzer", "profitability-summarizer",
        "data-quality-checker", "schema-drift-detector", "incident-reporter", "auto-remediation-agent",
    ]
    for name in agents:
        agent(name, "1.0.0")  # agents are published before any workflow names them


class HierarchicalTest(WorkersCase):
    def test_three_python_workers_report_and_the_supervisor_synthesises_all_three(self) -> None:
        ADMIN.workflows.put("q3-executive-review", HIERARCHICAL)
        received: Dict[str, Any] = {}
        threads: Dict[str, str] = {}

        def analyst(name: str) -> Any:
            def handle(task: switchyard.Record) -> Any:
                received[name] = task.input
                threads[name] = threading.current_thread().name
                return {"worker": name, **WORKERS[name]}
            return handle

        for name in WORKERS:
            self.work(name, analyst(name))
        syntheses: List[switchyard.Record] = []

        def synthesise(task: switchyard.Record) -> Any:
            syntheses.append(task.input)
            parts = {r.worker: r.output for r in task.input.results if r.status == "succeeded"}
            return {"quarter": task.input.run_input["quarter"], "workers_reported": sorted(parts), "findings": parts}

        self.work("executive-analyst", synthesise)

        run = agent("executive-analyst").runs.start("q3-executive-review", {"quarter": "Q3"})
        self.assertEqual(run.status, "running")
        done = self.finished(run.run_id)
        self.assertEqual(done.status, "succeeded", str(done))
        # Each worker got its own task, with the run's input, in its own Python loop.
        self.assertEqual(received["sales-analyst"], {"task": "Analyze Q3 sales performance", "run_input": {"quarter": "Q3"}})
        self.assertEqual(received["ops-analyst"].task, "Analyze Q3 operational efficiency")
        self.assertEqual(len(set(threads.values())), 3)
        # One synthesis, which saw all three results.
        self.assertEqual(len(syntheses), 1)
        results = syntheses[0].results
        self.assertEqual(sorted((r.worker, r.status) for r in results), [(w, "succeeded") for w in sorted(WORKERS)])
        self.assertTrue(all(r.task_id.startswith("tsk_") for r in results))
        self.assertEqual(done.output, {
            "quarter": "Q3",
            "workers_reported": ["marketing-analyst", "ops-analyst", "sales-analyst"],
            "findings": {name: {"worker": name, **values} for name, values in WORKERS.items()},
        })
        self.assertEqual(sorted(t.agent_id for t in done.tasks), sorted([*WORKERS, "executive-analyst"]))


class MessagePassingTest(WorkersCase):
    def test_the_chain_runs_and_a_refused_output_is_corrected_by_its_handler(self) -> None:
        ADMIN.workflows.put("report-chain", MESSAGE_PASSING)
        rejections: List[switchyard.SwitchyardError] = []
        self.work("data-collector", lambda task: {"records": [{"region": "emea", "total": 10}, {"region": "apac", "total": 7}], "source": task.input})

        def enrich(task: switchyard.Record, context: switchyard.TaskContext) -> Any:
            # The first answer forgets `enriched_at`: the edge's schema refuses it and the worker hands it back.
            if context.rejection is None:
                return {"records": task.input.records}
            rejections.append(context.rejection)
            return {"records": task.input.records, "enriched_at": "2026-12-04T00:00:00.000Z"}

        self.work("data-enricher", enrich)
        self.work("report-generator", lambda task: {"title": "Q3 revenue", "body": f"{len(task.input.records)} regions"})
        self.work("email-distributor", lambda task: {"sent_to": ["cfo@example.com"], "subject": task.input.title})

        run = agent("data-collector").runs.start("report-chain", {"quarter": "Q3"})
        done = self.finished(run.run_id)
        self.assertEqual(done.status, "succeeded", str(done))
        self.assertEqual(done.output, {"email-distributor": {"sent_to": ["cfo@example.com"], "subject": "Q3 revenue"}})
        self.assertEqual(len(rejections), 1)
        self.assertEqual((rejections[0].status, rejections[0].code), (400, "invalid_request"))
        self.assertIn("enriched_records", rejections[0].message)
        self.assertEqual([t.agent_id for t in done.tasks], ["data-collector", "data-enricher", "report-generator", "email-distributor"])
        enriched = [t for t in done.tasks if t.agent_id == "data-enricher"][0]
        self.assertEqual((enriched.status, enriched.output.enriched_at), ("succeeded", "2026-12-04T00:00:00.000Z"))
        self.assertEqual([m.schema for m in ADMIN.runs.messages(run.run_id)], ["raw_records", "enriched_records", "formatted_report"])


class SharedStateTest(WorkersCase):
    def test_analysers_write_through_runs_state_and_the_summariser_reads_them(self) -> None:
        ADMIN.workflows.put("q3-profitability", SHARED_STATE)

        def revenue(task: switchyard.Record) -> Any:
            state = agent("revenue-analyzer").runs.state
            state.set(task.run_id, "revenue_by_region", {"emea": 4_200_000, "apac": 2_100_000})
            state.set(task.run_id, "revenue_trends", ["up"])
            state.set(task.run_id, "revenue_trends", ["up", "flat"])  # last write wins
            return {"done": True}

        def cost(task: switchyard.Record, context: switchyard.TaskContext) -> Any:
            with self.assertRaises(switchyard.SwitchyardError) as denied:
                agent("cost-analyzer").runs.state.set(task.run_id, "revenue_by_region", {"emea": 0})
            self.assertEqual(denied.exception.status, 403)
            # Written atomically with the completion.
            context.report(state={"cost_by_region": {"emea": 3_000_000, "apac": 1_500_000}, "cost_trends": ["flat"]})
            return {"done": True}

        def summarise(task: switchyard.Record) -> Any:
            state = agent("profitability-summarizer").runs.state
            revenue, costs = state.get(task.run_id, "revenue_by_region").value, state.get(task.run_id, "cost_by_region").value
            report = {region: revenue[region] - costs[region] for region in sorted(revenue)}
            state.set(task.run_id, "profitability_report", report)
            return {"regions": len(report)}

        self.work("revenue-analyzer", revenue)
        self.work("cost-analyzer", cost)
        self.work("profitability-summarizer", summarise)
        run = agent("revenue-analyzer").runs.start("q3-profitability")
        done = self.finished(run.run_id)
        self.assertEqual(done.status, "succeeded", str(done))
        self.assertEqual(done.output["profitability_report"], {"apac": 600_000, "emea": 1_200_000})
        self.assertEqual(done.output["revenue_trends"], ["up", "flat"])

        now = ADMIN.runs.state(done.run_id)
        self.assertEqual(sorted(now), ["cost_by_region", "cost_trends", "profitability_report", "revenue_by_region", "revenue_trends"])
        self.assertEqual((now.revenue_trends.version, now.revenue_trends.written_by), (2, "revenue-analyzer"))
        self.assertEqual(ADMIN.runs.state.all(done.run_id, at=done.started_at), {})  # the inspector, before any write
        history = ADMIN.runs.state.history(done.run_id, "revenue_trends")
        self.assertEqual([h.value for h in history], [["up"], ["up", "flat"]])
        self.assertEqual(ADMIN.runs.state.get(done.run_id, "cost_trends").written_by, "cost-analyzer")


class EventDrivenTest(WorkersCase):
    def test_an_event_starts_a_run_and_every_event_says_why(self) -> None:
        ADMIN.event_types.put("anomaly.detected", {
            "type": "object", "required": ["severity"],
            "properties": {"severity": {"type": "string", "enum": ["low", "medium", "high", "critical"]}, "service": {"type": "string"}},
        }, description="an anomaly, with an ordered severity")
        self.assertEqual(ADMIN.event_types.get("anomaly.detected").schema.properties.severity.enum[-1], "critical")
        ADMIN.workflows.put("data-reactions", EVENT_DRIVEN)
        seen: Dict[str, Any] = {}

        def reactor(name: str) -> Any:
            def handle(task: switchyard.Record) -> Any:
                seen[name] = task.input  # the event {event_id, type, source, data, time}
                return {"checked": task.input.data}
            return handle

        for name in ["data-quality-checker", "schema-drift-detector", "incident-reporter", "auto-remediation-agent"]:
            self.work(name, reactor(name))

        publisher = agent("data-collector")
        event_id = f"load-{time.time_ns()}"
        published = publisher.events.publish("data.loaded", {"source": "sales_warehouse", "row_count": 1200}, event_id=event_id)
        self.assertEqual((published.event_id, published.duplicate), (event_id, False))
        self.assertEqual([r.workflow for r in published.runs], ["data-reactions"])
        again = publisher.events.publish("data.loaded", {"source": "sales_warehouse", "row_count": 1200}, event_id=event_id)
        self.assertEqual((again.duplicate, [r.run_id for r in again.runs]), (True, [r.run_id for r in published.runs]))

        done = self.finished(published.runs[0].run_id)
        self.assertEqual(done.status, "succeeded", str(done))
        self.assertEqual(sorted(done.output), ["data-quality-checker", "schema-drift-detector"])
        self.assertEqual(seen["data-quality-checker"].event_id, event_id)
        self.assertEqual(seen["schema-drift-detector"].data.row_count, 1200)

        event = ADMIN.events.get(event_id)
        self.assertEqual((event.status, event.type, event.published_by), ("accepted", "data.loaded", "data-collector"))
        [decision] = [d for d in event.decisions if d.workflow == "data-reactions"]
        self.assertEqual((decision.matched, decision.run_id), (True, done.run_id))
        self.assertEqual(decision.entries[0].saw, {"source": "sales_warehouse"})

        # A low anomaly starts nothing, and its decision says which filter said no and what it saw.
        low = publisher.events.publish("anomaly.detected", {"severity": "low", "service": "billing"})
        self.assertEqual(low.runs, [])
        [why] = [d for d in ADMIN.events.get(low.event_id).decisions if d.workflow == "data-reactions"]
        self.assertFalse(why.matched)
        self.assertIn("severity >= 'high'", why.entries[0].filter)
        self.assertEqual(why.entries[0].saw, {"severity": "low"})
        critical = publisher.events.publish("anomaly.detected", {"severity": "critical", "service": "billing"})
        self.assertEqual(len(critical.runs), 1)
        self.assertEqual(self.finished(critical.runs[0].run_id).status, "succeeded")
        self.assertIn(low.event_id, [e.event_id for e in ADMIN.events.list(type="anomaly.detected", limit=100)])

        bad = self.assertFails(400, "invalid_request", publisher.events.publish, "anomaly.detected", {"severity": "apocalyptic"})
        self.assertIn("severity", str(bad.details) + bad.message)


if __name__ == "__main__":
    unittest.main()
