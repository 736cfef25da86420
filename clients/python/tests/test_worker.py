"""The worker loop: poll tasks, run the handler, heartbeat while it runs, complete, stop cleanly."""

from __future__ import annotations

import threading
import time
import unittest
from typing import Any, Dict, List
from unittest import mock

import switchyard
from switchyard.transport import HttpRequest, HttpResponse
from switchyard.worker import Worker

from .fakes import FakeHttp, body_of, error, make_client, path_of, query_of, reply

T0 = "2026-11-21T10:00:00.000Z"
EPOCH_T0 = 1795255200.0  # T0 as a Unix time


def task(n: int, **extra: Any) -> Dict[str, Any]:
    return {
        "item_id": f"itm_{n}", "kind": "task", "created_at": T0, "task_id": f"tsk_{n}", "run_id": "run_1", "workflow": "wf",
        "agent_id": "cost-analyzer", "version": "1.0.0", "input": {"amounts": [n, n]}, "attempt": 1, "deadline": "2026-11-21T10:05:00.000Z", **extra,
    }


class FakeServer:
    """The inbox and task routes of one agent, in memory."""

    def __init__(self, *items: Dict[str, Any]) -> None:
        self.queue: List[Dict[str, Any]] = list(items)
        self.completions: Dict[str, Any] = {}
        self.heartbeats: List[str] = []
        self.polls: List[Dict[str, str]] = []
        self.complete_answers: List[HttpResponse] = []
        self.heartbeat_answers: List[HttpResponse] = []
        self.poll_answers: List[Any] = []
        self.polled = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        p = path_of(request)
        with self.lock:
            if request.method == "GET" and p == "/v1/inbox/cost-analyzer":
                self.polls.append(query_of(request))
                self.polled.set()
                if self.poll_answers:
                    answer = self.poll_answers.pop(0)
                    if isinstance(answer, BaseException):
                        raise answer
                    return answer
                items = self.queue[:1]
                del self.queue[:1]
                return reply(200, {"items": items})
            if p.endswith("/heartbeat"):
                self.heartbeats.append(p.split("/")[3])
                return self.heartbeat_answers.pop(0) if self.heartbeat_answers else reply(200, {"status": "running"})
            if p.endswith("/complete"):
                if self.complete_answers:
                    return self.complete_answers.pop(0)
                task_id = p.split("/")[3]
                self.completions[task_id] = body_of(request)
                return reply(200, {"task_id": task_id, "status": body_of(request).get("status", "succeeded")})
        raise AssertionError(f"unexpected {request.method} {p}")


def worker_on(server: FakeServer, **options: Any) -> Worker:
    client, _ = make_client(FakeHttp(route=server))
    options.setdefault("wait_seconds", 0)
    return client.worker("cost-analyzer", **options)


class WorkerLoopTest(unittest.TestCase):
    def test_completes_each_task_with_the_handlers_return_value(self) -> None:
        server = FakeServer(task(1), task(2))
        seen: List[Any] = []

        def handler(t: switchyard.Record) -> Any:
            seen.append((t.task_id, t.input.amounts))
            return {"total": sum(t.input.amounts)}

        self.assertEqual(worker_on(server, max_tasks=2).run(handler), 2)
        self.assertEqual(seen, [("tsk_1", [1, 1]), ("tsk_2", [2, 2])])
        self.assertEqual(server.completions, {"tsk_1": {"output": {"total": 2}}, "tsk_2": {"output": {"total": 4}}})
        self.assertEqual(server.polls[0], {"limit": "1", "wait_seconds": "0", "kind": "task"})

    def test_long_polls_for_tasks_only(self) -> None:
        server = FakeServer(task(1))
        worker_on(server, wait_seconds=30, max_tasks=1).run(lambda t: None)
        self.assertEqual(server.polls, [{"limit": "1", "wait_seconds": "30", "kind": "task"}])
        self.assertEqual(server.completions, {"tsk_1": {}})  # None: no output

    def test_fails_the_task_with_the_exceptions_code_and_message(self) -> None:
        class WarehouseDown(Exception):
            code = "upstream_unavailable"

        server = FakeServer(task(1), task(2), task(3))
        answers = iter([KeyError("amounts"), WarehouseDown("the warehouse did not answer"), ValueError()])

        def handler(t: switchyard.Record) -> Any:
            raise next(answers)

        self.assertEqual(worker_on(server, max_tasks=3).run(handler), 3)
        self.assertEqual(server.completions["tsk_1"], {"status": "failed", "error": {"code": "KeyError", "message": "'amounts'"}})
        self.assertEqual(server.completions["tsk_2"], {"status": "failed", "error": {"code": "upstream_unavailable", "message": "the warehouse did not answer"}})
        self.assertEqual(server.completions["tsk_3"], {"status": "failed", "error": {"code": "ValueError", "message": "ValueError"}})

    def test_fails_a_task_whose_output_is_not_json_or_off_its_schema(self) -> None:
        server = FakeServer(task(1), task(2))
        server.complete_answers.append(error(400, "invalid_request", "output.total: expected number", [{"path": "output.total"}]))
        outputs = iter([{"total": "many"}, {"when": object()}])
        self.assertEqual(worker_on(server, max_tasks=2).run(lambda t: next(outputs)), 2)
        self.assertEqual(server.completions["tsk_1"], {"status": "failed", "error": {"code": "invalid_output", "message": "output.total: expected number"}})
        self.assertEqual(server.completions["tsk_2"]["status"], "failed")
        self.assertEqual(server.completions["tsk_2"]["error"]["code"], "invalid_output")
        self.assertIn("not JSON", server.completions["tsk_2"]["error"]["message"])

    def test_goes_on_when_a_task_was_already_finished(self) -> None:
        server = FakeServer(task(1), task(2))
        server.complete_answers.append(error(409, "conflict", "the task timed out"))
        with self.assertLogs("switchyard.worker", "WARNING") as logs:
            self.assertEqual(worker_on(server, max_tasks=2).run(lambda t: 1), 2)
        self.assertEqual(list(server.completions), ["tsk_2"])
        self.assertIn("tsk_1 was already finished", "\n".join(logs.output))

    def test_skips_items_that_are_not_tasks(self) -> None:
        server = FakeServer({"item_id": "msg_1", "kind": "message", "body": {}}, task(1))
        with self.assertLogs("switchyard.worker", "WARNING") as logs:
            self.assertEqual(worker_on(server, max_tasks=1).run(lambda t: 1), 1)
        self.assertIn("msg_1", "\n".join(logs.output))
        self.assertEqual(list(server.completions), ["tsk_1"])


class StoppingTest(unittest.TestCase):
    def test_stop_from_the_handler_finishes_that_task_first(self) -> None:
        server = FakeServer(task(1), task(2))
        worker = worker_on(server)

        def handler(t: switchyard.Record) -> Any:
            worker.stop()
            return "done"

        self.assertEqual(worker.run(handler), 1)
        self.assertEqual(server.completions, {"tsk_1": {"output": "done"}})
        self.assertEqual(len(server.queue), 1)

    def test_stop_from_another_thread_ends_an_idle_loop(self) -> None:
        server = FakeServer()
        worker = worker_on(server)
        result: List[int] = []
        thread = threading.Thread(target=lambda: result.append(worker.run(lambda t: 1)))
        thread.start()
        self.assertTrue(server.polled.wait(5))
        worker.stop()
        thread.join(5)
        self.assertFalse(thread.is_alive())
        self.assertEqual(result, [0])
        self.assertTrue(worker.stopping)

    def test_stop_lets_the_poll_in_flight_answer_and_handles_the_task_it_brought(self) -> None:
        # A poll abandoned mid-way would leave the server handing its task to nobody until the deadline.
        server = FakeServer()
        in_flight, release = threading.Event(), threading.Event()

        def slow_poll(request: HttpRequest) -> HttpResponse:
            in_flight.set()
            release.wait(5)
            return reply(200, {"items": [task(7)]})

        server.poll_answers.append(slow_poll)
        original = server.__call__

        def route(request: HttpRequest) -> HttpResponse:
            if request.method == "GET" and server.poll_answers and callable(server.poll_answers[0]):
                return server.poll_answers.pop(0)(request)
            return original(request)

        client, _ = make_client(FakeHttp(route=route))
        worker = client.worker("cost-analyzer", wait_seconds=0)
        worker.start(lambda t: {"done": t.task_id})
        self.assertTrue(in_flight.wait(5))
        worker.stop()
        release.set()
        self.assertTrue(worker.join(5))
        self.assertEqual(worker.handled, 1)
        self.assertEqual(server.completions, {"tsk_7": {"output": {"done": "tsk_7"}}})

    def test_ctrl_c_in_the_handler_ends_the_loop_and_leaves_the_task_to_its_deadline(self) -> None:
        server = FakeServer(task(1), task(2))

        def handler(t: switchyard.Record) -> Any:
            raise KeyboardInterrupt

        worker = worker_on(server, heartbeat_interval=0.01)
        before = threading.active_count()
        self.assertEqual(worker.run(handler), 0)
        self.assertEqual(server.completions, {})
        self.assertEqual(threading.active_count(), before)  # no heartbeat thread left behind
        self.assertEqual(len(server.queue), 1)

    def test_ctrl_c_while_polling_ends_the_loop(self) -> None:
        server = FakeServer(task(1))
        server.poll_answers.append(KeyboardInterrupt())
        self.assertEqual(worker_on(server).run(lambda t: 1), 0)
        self.assertEqual(server.completions, {})


class PollFailureTest(unittest.TestCase):
    def test_waits_out_passing_failures(self) -> None:
        server = FakeServer(task(1))
        server.poll_answers += [ConnectionResetError("reset")] * 3 + [error(503, "unavailable")] * 3
        with mock.patch("switchyard.worker.backoff_seconds", return_value=0.0), self.assertLogs("switchyard.worker", "WARNING"):
            self.assertEqual(worker_on(server, max_tasks=1).run(lambda t: 1), 1)
        self.assertEqual(list(server.completions), ["tsk_1"])

    def test_raises_what_waiting_cannot_fix(self) -> None:
        server = FakeServer(task(1))
        server.poll_answers.append(error(403, "forbidden", "only the agent itself reads its inbox"))
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            worker_on(server).run(lambda t: 1)
        self.assertEqual(caught.exception.code, "forbidden")


class HeartbeatTest(unittest.TestCase):
    def test_heartbeats_while_the_handler_runs_and_never_after_completion(self) -> None:
        server = FakeServer(task(1))
        three = threading.Event()

        def handler(t: switchyard.Record) -> Any:
            deadline = time.monotonic() + 5
            while len(server.heartbeats) < 3 and time.monotonic() < deadline:
                time.sleep(0.005)
            three.set()
            return "ok"

        worker_on(server, max_tasks=1, heartbeat_interval=0.01).run(handler)
        self.assertTrue(three.is_set())
        beats = len(server.heartbeats)
        self.assertGreaterEqual(beats, 3)
        self.assertEqual(set(server.heartbeats), {"tsk_1"})
        time.sleep(0.05)
        self.assertEqual(len(server.heartbeats), beats)

    def test_stops_heartbeating_a_task_the_server_no_longer_runs(self) -> None:
        server = FakeServer(task(1))
        server.heartbeat_answers.append(error(409, "conflict", "the run was cancelled"))

        def handler(t: switchyard.Record) -> Any:
            time.sleep(0.1)
            return 1

        with self.assertLogs("switchyard.worker", "WARNING") as logs:
            worker_on(server, max_tasks=1, heartbeat_interval=0.01).run(handler)
        self.assertEqual(len(server.heartbeats), 1)
        self.assertIn("no longer running", "\n".join(logs.output))

    def test_beats_every_third_of_the_task_timeout(self) -> None:
        client, _ = make_client(FakeHttp())

        def interval(item: Dict[str, Any], now: float, **options: Any) -> float:
            worker = client.worker("cost-analyzer", **options)
            worker._clock = lambda: now
            return worker._interval_for(switchyard.Record(item))

        fresh = task(1)  # created at T0, deadline T0 + 300 s
        self.assertEqual(interval(fresh, EPOCH_T0), 100.0)
        # Handed out late (or a slow clock here): a third of what remains.
        self.assertEqual(interval(fresh, EPOCH_T0 + 270), 10.0)
        # A clock here far behind the server's cannot stretch it past a third of deadline - created_at.
        self.assertEqual(interval(fresh, EPOCH_T0 - 3600), 100.0)
        self.assertEqual(interval(task(1, timeout_seconds=90), EPOCH_T0 + 299), 30.0)
        self.assertEqual(interval(fresh, EPOCH_T0 + 299.5), 1.0)  # never more often than once a second
        self.assertEqual(interval(fresh, EPOCH_T0, heartbeat_interval=2.5), 2.5)
        self.assertEqual(interval(task(1, deadline=None), EPOCH_T0), 10.0)


class CorrectionTest(unittest.TestCase):
    """A refused output (400) goes back to a two-parameter handler as ``context.rejection``."""

    def test_hands_a_refused_output_back_to_the_handler_to_correct(self) -> None:
        server = FakeServer(task(1))
        server.complete_answers.append(error(400, "invalid_request", "output off the edge's schema enriched_records", [{"path": "output.enriched_at"}]))
        seen: List[Any] = []

        def handler(t: switchyard.Record, context: switchyard.TaskContext) -> Any:
            seen.append((context.corrections, None if context.rejection is None else (context.rejection.status, context.rejection.message)))
            context.report(usage={"tokens_in": 3, "tokens_out": 4})
            if context.rejection is None:
                return {"records": []}
            return {"records": [], "enriched_at": T0}

        self.assertEqual(worker_on(server, max_tasks=1).run(handler), 1)
        self.assertEqual(seen, [(0, None), (1, (400, "output off the edge's schema enriched_records"))])
        self.assertEqual(server.completions, {"tsk_1": {"output": {"records": [], "enriched_at": T0}, "usage": {"tokens_in": 3, "tokens_out": 4}}})

    def test_fails_the_task_after_max_corrections_refusals(self) -> None:
        server = FakeServer(task(1))
        for n in range(3):
            server.complete_answers.append(error(400, "invalid_request", f"refusal {n}"))
        calls: List[int] = []

        def handler(t: switchyard.Record, context: switchyard.TaskContext) -> Any:
            calls.append(context.corrections)
            return {"still": "wrong"}

        self.assertEqual(worker_on(server, max_tasks=1, max_corrections=2).run(handler), 1)
        self.assertEqual(calls, [0, 1, 2])
        self.assertEqual(server.completions["tsk_1"], {"status": "failed", "error": {"code": "invalid_output", "message": "refusal 2"}})

    def test_a_handler_without_a_context_is_not_called_again(self) -> None:
        server = FakeServer(task(1))
        server.complete_answers.append(error(400, "invalid_request", "off schema"))
        calls: List[str] = []
        self.assertEqual(worker_on(server, max_tasks=1).run(lambda t: calls.append(t.task_id) or {"x": 1}), 1)
        self.assertEqual(calls, ["tsk_1"])
        self.assertEqual(server.completions["tsk_1"]["error"]["code"], "invalid_output")

    def test_state_reported_by_the_handler_goes_with_a_failure_too(self) -> None:
        server = FakeServer(task(1))

        def handler(t: switchyard.Record, context: switchyard.TaskContext) -> Any:
            context.report(state={"revenue_by_region": {"emea": 1}})
            raise RuntimeError("half done")

        worker_on(server, max_tasks=1).run(handler)
        self.assertEqual(server.completions["tsk_1"], {"status": "failed", "error": {"code": "RuntimeError", "message": "half done"}, "state": {"revenue_by_region": {"emea": 1}}})

    def test_context_cancelled_is_set_when_the_server_no_longer_runs_the_task(self) -> None:
        server = FakeServer(task(1))
        server.heartbeat_answers.append(error(409, "conflict", "the run was cancelled"))
        flags: List[bool] = []

        def handler(t: switchyard.Record, context: switchyard.TaskContext) -> Any:
            flags.append(context.cancelled.wait(5))
            return None

        with self.assertLogs("switchyard.worker", "WARNING"):
            worker_on(server, max_tasks=1, heartbeat_interval=0.01).run(handler)
        self.assertEqual(flags, [True])

    def test_start_runs_the_loop_in_a_thread_until_stopped(self) -> None:
        server = FakeServer(task(1))
        worker = worker_on(server)
        worker.start(lambda t: {"ok": True})
        self.assertTrue(server.polled.wait(5))
        deadline = time.time() + 5
        while "tsk_1" not in server.completions and time.time() < deadline:
            time.sleep(0.01)
        worker.stop()
        self.assertTrue(worker.join(5))
        self.assertEqual((worker.handled, worker.error), (1, None))
        self.assertEqual(server.completions["tsk_1"], {"output": {"ok": True}})


class ConstructionTest(unittest.TestCase):
    def test_refuses_impossible_options(self) -> None:
        client, _ = make_client(FakeHttp())
        for options in [{"wait_seconds": 31}, {"wait_seconds": -1}, {"max_tasks": 0}, {"heartbeat_interval": 0}, {"max_corrections": -1}]:
            with self.subTest(options=options), self.assertRaises(ValueError):
                client.worker("cost-analyzer", **options)
        with self.assertRaises(ValueError):
            client.worker("")


if __name__ == "__main__":
    unittest.main()
