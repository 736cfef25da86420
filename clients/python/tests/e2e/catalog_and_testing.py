"""The agent catalog and testing a coordination before it is trusted, against a real Switchyard: versions
(publish, resolve, promote, deprecate), the seed's ``ab_test:`` block as YAML, and dry runs whose findings
say what would go wrong, the way a user's own unittest suite would use them.
"""

from __future__ import annotations

import time
import unittest
from typing import Any, Dict, List

import switchyard

from .coordination_patterns import HIERARCHICAL, SHARED_STATE
from .seed_setup import ADMIN, WorkersCase, agent

# The seed's block, verbatim with its indentation restored.
AB_TEST = """\
ab_test:
  agent: revenue-analyst
  versions:
    a: "1.2.0"
    b: "1.3.0-beta"
  traffic_split:
    a: 80
    b: 20
  metrics:
    - success_rate
    - avg_duration_ms
    - avg_token_usage
    - quality_score
  duration_days: 14
"""


def kinds(report: switchyard.Record) -> List[str]:
    return [f.kind for f in report.findings]


class VersionsTest(WorkersCase):
    def test_publish_resolve_promote_and_deprecate(self) -> None:
        name = f"forecast-analyst-{time.time_ns()}"  # its own agent: versions are immutable, and the suite may run twice
        forecaster = agent(name)
        first = forecaster.versions.publish(name, "1.2.0", description="baseline", tags=["forecast"],
                                            output_schema={"type": "object", "required": ["arr"]})
        self.assertEqual((first.version, first.published_by, first.deprecated, first.tags), ("1.2.0", name, False, ["forecast"]))
        self.assertFails(409, "conflict", forecaster.versions.publish, name, "1.2.0")
        self.assertFails(400, "invalid_request", forecaster.versions.publish, name, "1.2")
        forecaster.versions.publish(name, "1.3.0", description="new model")
        forecaster.versions.publish(name, "2.0.0-rc.1")
        self.assertEqual([v.version for v in forecaster.versions.list_all(name, limit=2)], ["2.0.0-rc.1", "1.3.0", "1.2.0"])
        self.assertEqual(forecaster.versions.resolve(name).version, "1.3.0")
        self.assertEqual(forecaster.versions.resolve(name, "^1.2").version, "1.3.0")
        self.assertEqual(forecaster.versions.resolve(name, "~1.2.0").version, "1.2.0")

        # A rollback: promoting the earlier version makes `latest` resolve to it.
        promoted = ADMIN.versions.promote(name, "1.2.0")
        self.assertTrue(promoted.promoted)
        latest = forecaster.versions.resolve(name, "latest")
        self.assertEqual(latest.version, "1.2.0")

        deprecated = ADMIN.versions.deprecate(name, "1.3.0", "superseded by 1.2.0 after a bad forecast")
        self.assertEqual((deprecated.deprecated, deprecated.deprecation_reason), (True, "superseded by 1.2.0 after a bad forecast"))
        self.assertTrue(forecaster.versions.get(name, "1.3.0").deprecated)
        self.assertFails(404, "not_found", forecaster.versions.get, name, "9.9.9")
        # Another agent may not publish versions of this one.
        self.assertFails(403, "forbidden", agent("sales-analyst").versions.publish, name, "3.0.0")

        secret = forecaster.versions.endpoint_secret(name)
        self.assertEqual((secret.agent_id, secret.algorithm), (name, "HMAC-SHA256"))
        self.assertGreaterEqual(len(secret.secret), 32)
        self.assertEqual(ADMIN.versions.endpoint_secret(name).secret, secret.secret)


class AbTestTest(WorkersCase):
    def test_the_seeds_ab_test_block_starts_a_test_that_splits_real_runs(self) -> None:
        agent("revenue-analyst", "1.2.0", "1.3.0-beta")
        for running in ADMIN.ab_tests.list(agent="revenue-analyst", status="running"):
            ADMIN.ab_tests.stop(running.ab_test_id, "a previous run of this suite")
        self.assertFails(403, "forbidden", agent("revenue-analyst").ab_tests.create_from_yaml, AB_TEST)

        test = ADMIN.ab_tests.create_from_yaml(AB_TEST)
        self.assertEqual((test.agent, test.versions, test.traffic_split, test.duration_days, test.status),
                         ("revenue-analyst", {"a": "1.2.0", "b": "1.3.0-beta"}, {"a": 80, "b": 20}, 14, "running"))
        self.assertEqual(sorted(test.metrics), ["avg_duration_ms", "avg_token_usage", "quality_score", "success_rate"])
        self.assertFails(409, "conflict", ADMIN.ab_tests.create_from_yaml, AB_TEST)

        # Runs of a workflow that names the agent at `latest` are split between the arms.
        ADMIN.workflows.put("revenue-report", "agents:\n  - {name: revenue-analyst, version: latest}\ncoordination:\n"
                            "  pattern: shared-state\n  state_store: {type: key-value, conflict_resolution: last-write-wins}\n"
                            "  agents:\n    - {name: revenue-analyst, writes: [revenue]}\n")
        arms: Dict[str, int] = {}

        def analyse(task: switchyard.Record, context: switchyard.TaskContext) -> Any:
            context.report(usage={"tokens_in": 100, "tokens_out": 20}, state={"revenue": 1})
            return {"version": task.version}

        self.work("revenue-analyst", analyse)
        runs = [agent("revenue-analyst").runs.start("revenue-report") for _ in range(6)]
        for run in runs:
            done = self.finished(run.run_id)
            self.assertEqual(done.status, "succeeded", str(done))
            task = done.tasks[0]
            self.assertIn(task.version, ("1.2.0", "1.3.0-beta"))
            self.assertEqual(task.ab.ab_test_id, test.ab_test_id)
            arms[task.ab.arm] = arms.get(task.ab.arm, 0) + 1
        # A thumbs-up on one task is the quality score of its arm.
        rated = self.finished(runs[0].run_id).tasks[0]
        ADMIN.tasks.feedback(rated.task_id, "up", comment="clear numbers")
        report = ADMIN.ab_tests.get(test.ab_test_id)
        self.assertEqual({k: arm.version for k, arm in report.arms.items()}, {"a": "1.2.0", "b": "1.3.0-beta"})
        self.assertEqual({k: arm.samples for k, arm in report.arms.items() if arm.samples}, arms)
        for arm in report.arms.values():
            if arm.samples:
                self.assertEqual((arm.success_rate, arm.avg_token_usage), (1, 120))
        self.assertEqual((report.arms[rated.ab.arm].rated, report.arms[rated.ab.arm].quality_score), (1, 1))
        self.assertEqual(report.recommendation, "inconclusive")  # six runs prove nothing
        self.assertIn("min_samples", report.reason)

        stopped = ADMIN.ab_tests.stop(test.ab_test_id, "enough for this suite")
        self.assertEqual((stopped.status, stopped.end_reason), ("stopped", "enough for this suite"))
        self.assertIn(test.ab_test_id, [t.ab_test_id for t in ADMIN.ab_tests.list_all(agent="revenue-analyst")])


class DryRunTest(unittest.TestCase):
    """What a user's CI would run before deploying a coordination: no worker, no real task, no run."""

    def test_a_failing_analyser_leaves_the_summariser_never_started(self) -> None:
        report = ADMIN.workflows.dry_run(definition=SHARED_STATE, agents={
            "revenue-analyzer": {"state": {"revenue_by_region": {"emea": 1}, "revenue_trends": ["up"]}},
            "cost-analyzer": {"fail": {"code": "warehouse_down", "message": "the cost warehouse did not answer"}},
        })
        self.assertEqual((report.status, report.error.code, report.revision), ("failed", "task_failed", None))
        self.assertIn("task_failed", kinds(report))
        [never] = [f for f in report.findings if f.kind == "never_started"]
        self.assertEqual((never.agent, never.severity), ("profitability-summarizer", "warning"))

    def test_a_missing_key_is_a_stall_that_names_the_keys(self) -> None:
        report = ADMIN.workflows.dry_run(definition=SHARED_STATE, agents={
            "revenue-analyzer": {"state": {"revenue_by_region": {"emea": 1}, "revenue_trends": ["up"]}},
            "cost-analyzer": {"state": {"cost_by_region": {"emea": 1}}},  # forgets cost_trends
        })
        self.assertNotEqual(report.status, "succeeded")
        [stalled] = [f for f in report.findings if f.kind == "stalled"]
        self.assertEqual(stalled.agent, "profitability-summarizer")
        self.assertIn("cost_trends", stalled["keys"])

    def test_a_saved_hierarchy_with_a_silent_worker_is_decided_by_its_join_timeout(self) -> None:
        ADMIN.workflows.put("q3-executive-review", HIERARCHICAL)
        runs_before = len(ADMIN.runs.list(workflow="q3-executive-review", limit=100))
        report = ADMIN.workflows.dry_run("q3-executive-review", input={"quarter": "Q3"}, agents={
            "sales-analyst": {"output": {"revenue_growth": "12%"}},
            "marketing-analyst": {"output": {"campaigns_paid_back": 2}},
            "ops-analyst": {"never_answer": True},
            "executive-analyst": {"output": {"summary": "ops did not report"}},
        })
        self.assertEqual((report.status, report.output), ("succeeded", {"summary": "ops did not report"}))
        [join] = [f for f in report.findings if f.kind == "join_timeout"]
        self.assertEqual(join.details.timed_out, ["ops-analyst"])
        self.assertGreaterEqual(report.virtual_duration_ms, 300_000)  # virtual: the test took far less
        self.assertEqual(ADMIN.workflows.get_dry_run(report.dry_run_id).findings, report.findings)
        self.assertEqual(len(ADMIN.runs.list(workflow="q3-executive-review", limit=100)), runs_before)  # no real run

    def test_a_bad_request_is_refused_before_anything_runs(self) -> None:
        with self.assertRaises(ValueError):
            ADMIN.workflows.dry_run("q3-executive-review", definition=SHARED_STATE)
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            ADMIN.workflows.dry_run(definition="coordination:\n  pattern: hierarchical\n")
        self.assertEqual((caught.exception.status, caught.exception.code), (400, "invalid_request"))


if __name__ == "__main__":
    unittest.main()
