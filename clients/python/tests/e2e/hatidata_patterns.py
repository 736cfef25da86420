"""The five HatiData coordination patterns of the seed, run against a real Switchyard.

Each pattern's code is the seed's, changed only in its import line (``import switchyard`` for
``import hatidata``) and its client construction (``switchyard.Client(api_key=..., base_url=...)``),
plus, in pattern 2, a threshold the local embedder reaches (0.35 for the seed's 0.85: the local
hashing embedder scores the stored insight 0.42 against the concept, where bge-small scores it far
higher). What the seed leaves to its reader (``validate_forecast``, ``escalate_to_operator``,
``escalate_chain_break``) is defined here, and each ``while True`` loop runs one iteration: ``time``
below is a stand-in whose ``sleep`` ends the loop.

Run by ``test/e2e/python-client.test.ts``, which starts the server, creates the agents (agent-a,
agent-b, agent-c, coordinator, pipeline-agent-a, pipeline-agent-b, supervisor with role ``reader``)
and the seed's ABAC write restriction (only agent-a writes ``shared-knowledge-base``), and passes
the URL and keys as environment variables.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time as real_time
import unittest
import urllib.parse
from typing import Any, Callable, List

import switchyard  # the seed: import hatidata
from switchyard.transport import HttpRequest, HttpResponse, urllib_sender

# The SQL aliases `_hatidata_policy_denials` and `_hatidata_cot` are being added on another branch. Until
# they land, the supervisor's client sends the seed's SQL with Switchyard's own names (`_policy_denials`,
# `_cot`); switch this on after that merge and the seed's SQL runs exactly as written.
HATIDATA_ALIASES_LANDED = False


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run this through test/e2e/python-client.test.ts, which starts a server and passes its URL and keys")
    return value


BASE_URL = _env("SWITCHYARD_URL")
AGENT_A_KEY = _env("AGENT_A_KEY")
AGENT_B_KEY = _env("AGENT_B_KEY")
AGENT_C_KEY = _env("AGENT_C_KEY")
COORDINATOR_KEY = _env("COORDINATOR_KEY")
PIPELINE_AGENT_A_KEY = _env("PIPELINE_AGENT_A_KEY")
PIPELINE_AGENT_B_KEY = _env("PIPELINE_AGENT_B_KEY")
SUPERVISOR_KEY = _env("SUPERVISOR_KEY")


class SupervisorHttp:
    """The supervisor client's HTTP layer: urllib, recording which sessions it verifies; and, until the
    `_hatidata_` aliases land, sending the seed's SQL with Switchyard's own table names."""

    def __init__(self) -> None:
        self.verified: List[str] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        url = urllib.parse.urlsplit(request.url).path
        if url.startswith("/v1/cot/") and url.endswith("/verify"):
            self.verified.append(urllib.parse.unquote(url.split("/")[3]))
        if not HATIDATA_ALIASES_LANDED and url == "/v1/query" and request.body is not None:
            body = json.loads(request.body)
            body["sql"] = body["sql"].replace("_hatidata_policy_denials", "_policy_denials").replace("_hatidata_cot", "_cot")
            request = HttpRequest(request.method, request.url, request.headers, json.dumps(body).encode(), request.timeout)
        return urllib_sender(request)


class _LoopEnd(Exception):
    """Ends a seed's `while True` loop at its `time.sleep`."""


class _OneIteration:
    """Stands in for the `time` module in the seeds' loops: `sleep` ends the loop, unless `until` says
    the iteration has not yet seen what it waits for; then it waits a little, at most `max_iterations`
    times in all."""

    def __init__(self) -> None:
        self.iterations = 0
        self.until: Callable[[], bool] = lambda: True
        self.max_iterations = 1

    def sleep(self, seconds: float) -> None:
        self.iterations += 1
        if self.until() or self.iterations >= self.max_iterations:
            raise _LoopEnd()
        real_time.sleep(0.5)


time = _OneIteration()


def run_once(loop: Any) -> None:
    try:
        loop()
    except _LoopEnd:
        pass


@contextlib.contextmanager
def printed(lines: List[str]) -> Any:
    """Collects what the seed code prints (and echoes it to stderr, for the test's log)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        yield
    lines.extend(out.getvalue().splitlines())
    for line in lines:
        print(f"    seed printed: {line}", file=sys.stderr)


class HatiDataPatterns(unittest.TestCase):
    """In order: later patterns rely on nothing earlier ones did, except the server they share."""

    def test_1_shared_memory_between_agents(self) -> None:
        lines: List[str] = []
        with printed(lines):
            SHARED_NS = "shared-knowledge-base"
            # Agent A writes a discovery to the shared namespace
            agent_a = switchyard.Client(api_key=AGENT_A_KEY, base_url=BASE_URL)
            agent_a.memory.store(
                agent_id=SHARED_NS,
                content="Customer segment 'enterprise' has 42% higher LTV than mid-market.",
                metadata={"source": "agent-a", "topic": "customer-segments", "confidence": 0.91},
            )
            # Agent B reads the shared knowledge without knowing which agent wrote it
            agent_b = switchyard.Client(api_key=AGENT_B_KEY, base_url=BASE_URL)
            results = agent_b.memory.search(
                agent_id=SHARED_NS,
                query="Which customer segment has the highest lifetime value?",
                top_k=5,
            )
            for r in results:
                print(f"[{r.score:.2f}] {r.content}")

        self.assertRegex(lines[0], r"^\[(0|1)\.\d\d\] Customer segment 'enterprise' has 42% higher LTV than mid-market\.$")
        self.assertEqual(results[0].metadata, {"source": "agent-a", "topic": "customer-segments", "confidence": 0.91})
        self.assertLessEqual(len(results), 5)
        # The seed's consideration: only designated writers populate the shared namespace (the policy
        # the test set up lets agent-a alone write it), so agent B is refused and nothing is stored.
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            agent_b.memory.store(agent_id=SHARED_NS, content="Mid-market is where the value is.")
        self.assertEqual((caught.exception.status, caught.exception.code), (403, "forbidden"))
        self.assertEqual(caught.exception.details.action, "memory:write")
        self.assertNotIn("Mid-market is where the value is.", [m.content for m in agent_b.memory.list_all(SHARED_NS)])

    def test_2_trigger_based_coordination(self) -> None:
        lines: List[str] = []
        with printed(lines):
            # Register the trigger once (e.g., at startup or via the dashboard)
            coordinator = switchyard.Client(api_key=COORDINATOR_KEY, base_url=BASE_URL)
            coordinator.triggers.register(
                name="new-segment-analysis",
                description="Notify Agent B when Agent A stores customer segment insights",
                concept="customer segment lifetime value LTV churn analysis",
                threshold=0.35,  # the seed's 0.85 is for bge-small; the local embedder scores this insight 0.42
                action={
                    "type": "agent_notify",
                    "target_agent_id": "agent-b",
                },
                cooldown_seconds=60,
            )
            # Agent B polls its inbox for notifications
            agent_b = switchyard.Client(api_key=AGENT_B_KEY, base_url=BASE_URL)

            def agent_b_loop():
                while True:
                    notifications = agent_b.inbox.poll(agent_id="agent-b", limit=10)
                    for notif in notifications:
                        handle_notification(notif)
                    time.sleep(5)

            def handle_notification(notif):
                # Retrieve the memory that triggered the notification
                mem = agent_b.memory.get(memory_id=notif.source_memory_id)
                print(f"Agent B received: {mem.content}")
                # ... act on the new information

            # Agent A stores an insight; the trigger fires after the store has answered.
            agent_a = switchyard.Client(api_key=AGENT_A_KEY, base_url=BASE_URL)
            unrelated = agent_a.memory.store(agent_id="shared-knowledge-base", content="The staging database is backed up nightly at 02:00 UTC.")
            insight = agent_a.memory.store(agent_id="shared-knowledge-base", content="Customer segment 'enterprise' has 42% higher LTV than mid-market.")
            trigger = next(t for t in coordinator.triggers.list_all() if t.name == "new-segment-analysis")
            self._wait_until(lambda: coordinator.triggers.get(trigger.trigger_id).last_fired_at is not None, "the trigger to fire")
            # One iteration; a few more only if the inbox delivery trails the firing.
            time.iterations, time.max_iterations = 0, 10
            def agent_b_received() -> bool:
                return any(line.startswith("Agent B received:") for line in out_so_far())

            time.until = agent_b_received
            run_once(agent_b_loop)

        self.assertEqual(lines, ["Agent B received: Customer segment 'enterprise' has 42% higher LTV than mid-market."])
        print(f"    the poll loop ran {time.iterations} iteration(s)", file=sys.stderr)
        probe = coordinator.triggers.test(trigger.trigger_id, insight.content)
        self.assertTrue(probe.matched)
        self.assertFalse(coordinator.triggers.test(trigger.trigger_id, unrelated.content).matched)
        history = agent_b.inbox.history("agent-b")
        self.assertEqual([(i.kind, i.source_memory_id) for i in history], [("notification", insight.memory_id)])

    def test_3_branch_based_collaboration(self) -> None:
        outcomes = []
        reviews: List[int] = []

        def validate_forecast(rows):
            # The reviewer approves one v2 forecast per period, with a positive ARR.
            reviews.append(len(rows))
            periods = [row["period"] for row in rows]
            return len(periods) == len(set(periods)) and all(row["predicted_arr"] > 0 for row in rows)

        # Twice: the first experiment is approved and merged; the second repeats it, so the branch now
        # holds the merged forecast twice, and the reviewer rejects it.
        for _ in range(2):
            # Agent A: create an experimental branch and write to it
            agent_a = switchyard.Client(api_key=AGENT_A_KEY, base_url=BASE_URL)
            branch = agent_a.branches.create(
                label="q1-forecast-experiment",
                description="Test updated revenue forecast model",
            )
            branch_id = branch.branch_id
            # Write experimental results into the branch (does not affect main)
            agent_a.branches.write(
                branch_id=branch_id,
                table="revenue_forecast",
                rows=[
                    {"period": "2026-Q1", "model": "v2", "predicted_arr": 4_200_000},
                ],
            )
            # Hand off branch_id to Agent B for review
            # (pass via shared memory, message queue, or direct API call)
            agent_a.memory.store(
                agent_id="shared-knowledge-base",
                content=f"Branch {branch_id} ready for review: q1-forecast-experiment",
                metadata={"branch_id": branch_id, "status": "pending-review"},
            )
            # Agent B: review the branch
            agent_b = switchyard.Client(api_key=AGENT_B_KEY, base_url=BASE_URL)
            preview = agent_b.branches.query(
                branch_id=branch_id,
                sql="SELECT * FROM revenue_forecast WHERE model = 'v2'",
            )
            approved = validate_forecast(preview.rows)
            # Agent C: merge or discard based on review outcome
            agent_c = switchyard.Client(api_key=AGENT_C_KEY, base_url=BASE_URL)
            if approved:
                agent_c.branches.merge(branch_id=branch_id, strategy="branch_wins")
            else:
                agent_c.branches.discard(branch_id=branch_id)
            outcomes.append((branch_id, approved))

        self.assertEqual(reviews, [1, 2])
        (merged_id, first), (discarded_id, second) = outcomes
        self.assertEqual((first, second), (True, False))
        self.assertEqual(agent_c.branches.get(merged_id).status, "merged")
        self.assertEqual(agent_c.branches.get(discarded_id).status, "discarded")
        main = agent_b.query("SELECT period, model, predicted_arr FROM revenue_forecast")
        self.assertEqual(main.rows, [{"period": "2026-Q1", "model": "v2", "predicted_arr": 4_200_000}])
        handoffs = agent_b.memory.search(agent_id="shared-knowledge-base", query=f"Branch {merged_id} ready for review", top_k=10, mode="keyword")
        self.assertIn(merged_id, [m.metadata.get("branch_id") for m in handoffs])
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            agent_a.branches.write(branch_id=discarded_id, table="revenue_forecast", rows=[{"period": "2026-Q2", "model": "v2", "predicted_arr": 1}])
        self.assertEqual(caught.exception.status, 409)

    def test_4_agent_handoff_via_state_transfer(self) -> None:
        # Phase 1's own work, before the seed's code: the cleaned table it hands over.
        pipeline_a = switchyard.Client(api_key=PIPELINE_AGENT_A_KEY, base_url=BASE_URL)
        pipeline_a.query("CREATE TABLE cleaned_transactions_2026_q1 (id INTEGER PRIMARY KEY, amount REAL, anomaly INTEGER)")
        rows = ", ".join(f"({i}, {i * 10.5}, {1 if i in (7, 42, 99) else 0})" for i in range(1, 121))
        pipeline_a.query(f"INSERT INTO cleaned_transactions_2026_q1 (id, amount, anomaly) VALUES {rows}")

        lines: List[str] = []
        with printed(lines):
            # Agent A completes phase 1 and saves its state
            agent_a = switchyard.Client(api_key=PIPELINE_AGENT_A_KEY, base_url=BASE_URL)
            agent_a.state.set(
                agent_id="pipeline-agent-a",
                key="phase1_output",
                value={
                    "processed_records": 15_420,
                    "anomalies_detected": 3,
                    "output_table": "cleaned_transactions_2026_q1",
                    "completed_at": "2026-02-25T10:30:00Z",
                },
            )
            # Notify Agent B (via trigger or message queue)
            # ...
            # Agent B resumes from Agent A's saved state
            agent_b = switchyard.Client(api_key=PIPELINE_AGENT_B_KEY, base_url=BASE_URL)
            phase1 = agent_b.state.get(agent_id="pipeline-agent-a", key="phase1_output")
            print(f"Agent B resuming from: {phase1['output_table']}")
            print(f"Anomalies to investigate: {phase1['anomalies_detected']}")
            # Agent B processes the output table Agent A produced
            agent_b.query(f"SELECT * FROM {phase1['output_table']} LIMIT 100")

        self.assertEqual(lines, ["Agent B resuming from: cleaned_transactions_2026_q1", "Anomalies to investigate: 3"])
        result = agent_b.query(f"SELECT * FROM {phase1['output_table']} LIMIT 100")
        self.assertEqual((result.columns, result.row_count, len(result.rows)), (["id", "amount", "anomaly"], 100, 100))
        self.assertEqual(sum(row.anomaly for row in result.rows), 3)
        entry = agent_b.state.get_entry("pipeline-agent-a", "phase1_output")
        self.assertEqual((entry.version, entry.value.processed_records), (1, 15_420))
        # The hand-off is agent A's: agent B may read it but not overwrite it.
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            agent_b.state.set(agent_id="pipeline-agent-a", key="phase1_output", value={})
        self.assertEqual(caught.exception.status, 403)

    def test_5_supervisor_pattern(self) -> None:
        # What the supervisor will find: agent-a reasons in a session; agent-c, not a designated writer
        # of the shared namespace, keeps trying to write to it (eleven denials: more than the seed's ten).
        writer = switchyard.Client(api_key=AGENT_A_KEY, base_url=BASE_URL)
        for step_type in ("observation", "analysis", "decision"):
            writer.cot.log(session_id="q1-forecast-review", step_type=step_type, content=f"agent-a: {step_type} on the Q1 forecast")
        rogue = switchyard.Client(api_key=AGENT_C_KEY, base_url=BASE_URL)
        for i in range(11):
            with self.assertRaises(switchyard.SwitchyardError):
                rogue.memory.store(agent_id="shared-knowledge-base", content=f"Enterprise LTV is really {i}% higher.")

        alerts: List[switchyard.Record] = []
        chain_breaks: List[Any] = []
        supervisor_http = SupervisorHttp()

        def escalate_to_operator(row):
            alerts.append(row)

        def escalate_chain_break(session_id, broken_links):
            chain_breaks.append((session_id, broken_links))

        lines: List[str] = []
        with printed(lines):
            supervisor = switchyard.Client(api_key=SUPERVISOR_KEY, base_url=BASE_URL, http=supervisor_http)
            ANOMALY_SQL = """
SELECT
agent_id,
COUNT(*) AS denied_queries,
MAX(denied_at) AS last_denial
FROM _hatidata_policy_denials
WHERE denied_at >= NOW() - INTERVAL '1 hour'
GROUP BY agent_id
HAVING COUNT(*) > 10
ORDER BY denied_queries DESC;
"""

            def supervision_loop():
                while True:
                    anomalies = supervisor.query(ANOMALY_SQL).rows
                    for row in anomalies:
                        print(f"[ALERT] Agent {row['agent_id']} had {row['denied_queries']} "
                              f"denied queries in the last hour")
                        escalate_to_operator(row)
                    # Verify CoT integrity for active sessions
                    active_sessions = supervisor.query(
                        "SELECT DISTINCT session_id FROM _hatidata_cot "
                        "WHERE logged_at >= NOW() - INTERVAL '1 hour'"
                    ).rows
                    for session in active_sessions:
                        result = supervisor.cot.verify_chain(session_id=session["session_id"])
                        if not result.chain_intact:
                            escalate_chain_break(session["session_id"], result.broken_links)
                    time.sleep(60)

            time.iterations, time.max_iterations, time.until = 0, 1, lambda: True
            run_once(supervision_loop)

        self.assertEqual(time.iterations, 1)
        self.assertEqual(lines, ["[ALERT] Agent agent-c had 11 denied queries in the last hour"])
        self.assertEqual([(row.agent_id, row.denied_queries) for row in alerts], [("agent-c", 11)])
        self.assertRegex(alerts[0].last_denial, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        # Every session logged in the last hour (all of this server's) was verified once, and all are intact.
        sessions = [s.session_id for s in supervisor.cot.sessions_all()]
        self.assertIn("q1-forecast-review", sessions)
        self.assertEqual(sorted(supervisor_http.verified), sorted(sessions))
        self.assertEqual(chain_breaks, [])
        # Read-only ABAC permissions: the supervisor observes and changes nothing.
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            supervisor.query("DELETE FROM revenue_forecast")
        self.assertEqual(caught.exception.status, 403)
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            supervisor.memory.store(agent_id="shared-knowledge-base", content="x")
        self.assertEqual(caught.exception.status, 403)

    def _wait_until(self, condition: Any, what: str, seconds: float = 30.0) -> None:
        deadline = real_time.monotonic() + seconds
        while not condition():
            if real_time.monotonic() > deadline:
                self.fail(f"gave up waiting {seconds:g} s for {what}")
            real_time.sleep(0.2)


def out_so_far() -> List[str]:
    """What the seed code printed so far, inside `printed(...)`."""
    current = sys.stdout
    return current.getvalue().splitlines() if isinstance(current, io.StringIO) else []


if __name__ == "__main__":
    unittest.main()
