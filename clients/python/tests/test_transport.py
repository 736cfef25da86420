"""The transport: headers, JSON, paths, errors, retries, Retry-After, idempotency keys, timeouts."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import socket
import threading
import time
import unittest
from unittest import mock

import switchyard
from switchyard.transport import backoff_seconds, retry_after_seconds

from .fakes import BASE, FakeHttp, body_of, error, make_client, query_of, reply


class ConstructionTest(unittest.TestCase):
    def test_takes_key_and_url_from_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"SWITCHYARD_API_KEY": "sy_env", "SWITCHYARD_URL": "http://env.test:8787/"}):
            http = FakeHttp(reply(200, {"agent_id": "a", "role": "agent", "attributes": {}}))
            client = switchyard.Client(http=http)
            self.assertEqual(client.base_url, "http://env.test:8787")
            client.whoami()
            self.assertEqual(http.last.headers["authorization"], "Bearer sy_env")
            self.assertEqual(http.last.url, "http://env.test:8787/v1/whoami")

    def test_arguments_win_over_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"SWITCHYARD_API_KEY": "sy_env", "SWITCHYARD_URL": "http://env.test"}):
            http = FakeHttp(reply(200, {}))
            switchyard.Client(api_key="sy_arg", base_url="https://arg.test/prefix/", http=http).whoami()
            self.assertEqual(http.last.url, "https://arg.test/prefix/v1/whoami")
            self.assertEqual(http.last.headers["authorization"], "Bearer sy_arg")

    def test_refuses_a_missing_key_or_url_saying_what_to_set(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaisesRegex(ValueError, "SWITCHYARD_API_KEY"):
                switchyard.Client(base_url="http://x.test")
            with self.assertRaisesRegex(ValueError, "SWITCHYARD_URL"):
                switchyard.Client(api_key="sy_k")
        for bad in ["localhost:8787", "ftp://x.test", "http://", ""]:
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                switchyard.Client(api_key="sy_k", base_url=bad)
        with self.assertRaises(ValueError):
            switchyard.Client(api_key="sy_k", base_url="http://x.test", max_retries=-1)
        with self.assertRaises(ValueError):
            switchyard.Client(api_key="sy_k", base_url="http://x.test", timeout=0)

    def test_never_shows_the_key_in_a_repr(self) -> None:
        client = switchyard.Client(api_key="sy_secret_value", base_url="http://x.test")
        for text in [repr(client), repr(client._transport), repr(client.memory)]:
            self.assertNotIn("sy_secret_value", text)


class RequestShapeTest(unittest.TestCase):
    def test_sends_bearer_auth_and_compact_utf8_json(self) -> None:
        http = FakeHttp(reply(201, {"memory_id": "mem_1"}))
        client, _ = make_client(http)
        client.memory.store(agent_id="kb", content="Zürich ✓", metadata={"n": 1})
        req = http.last
        self.assertEqual((req.method, req.url), ("POST", BASE + "/v1/memory"))
        self.assertEqual(req.headers["authorization"], "Bearer sy_test_key")
        self.assertEqual(req.headers["content-type"], "application/json")
        self.assertEqual(req.headers["accept"], "application/json")
        self.assertTrue(req.headers["user-agent"].startswith("switchyard-python/"))
        self.assertEqual(req.body, '{"agent_id":"kb","content":"Zürich ✓","metadata":{"n":1}}'.encode())

    def test_leaves_unset_fields_out_of_bodies_and_queries(self) -> None:
        http = FakeHttp(reply(200, {"items": [], "next_cursor": None}), reply(200, {"results": []}))
        client, _ = make_client(http)
        client.memory.list("kb", limit=5)
        self.assertEqual(query_of(http.requests[0]), {"agent_id": "kb", "limit": "5"})
        client.memory.search(agent_id="kb", query="q")
        self.assertEqual(body_of(http.last), {"agent_id": "kb", "query": "q"})

    def test_encodes_each_id_as_one_path_segment(self) -> None:
        http = FakeHttp(reply(200, {"value": 1}), reply(200, {"value": 1}))
        client, _ = make_client(http)
        client.state.get("research.agent:a", "a/b?c#d e")
        self.assertEqual(http.requests[0].url, BASE + "/v1/state/research.agent%3Aa/a%2Fb%3Fc%23d%20e")
        for bad in ["", ".", ".."]:
            with self.subTest(bad=bad), self.assertRaises(switchyard.SwitchyardError) as caught:
                client.state.get("agent", bad)
            self.assertEqual((caught.exception.status, caught.exception.code), (0, "invalid_request"))
        self.assertEqual(len(http.requests), 1)

    def test_writes_booleans_and_times_in_queries_as_the_contract_reads_them(self) -> None:
        http = FakeHttp(reply(200, {"items": [], "next_cursor": None}), reply(200, {}))
        client, _ = make_client(http)
        since = dt.datetime(2026, 11, 21, 11, 30, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        client.cot.sessions(since=since)
        self.assertEqual(query_of(http.requests[0]), {"since": "2026-11-21T10:30:00.123Z"})
        client.workflows.delete("wf", force=True)
        self.assertEqual(query_of(http.last), {"force": "true"})

    def test_refuses_what_is_not_json_before_sending(self) -> None:
        http = FakeHttp()
        client, _ = make_client(http)
        with self.assertRaises(ValueError):
            client.state.set("a", "k", float("nan"))
        with self.assertRaisesRegex(TypeError, "naive datetime"):
            client.state.set("a", "k", dt.datetime(2026, 1, 1))
        with self.assertRaisesRegex(TypeError, "not JSON"):
            client.state.set("a", "k", object())
        self.assertEqual(http.requests, [])

    def test_encodes_aware_datetimes_in_bodies(self) -> None:
        http = FakeHttp(reply(200, {}))
        client, _ = make_client(http)
        client.state.set("a", "k", {"at": dt.datetime(2026, 2, 25, 10, 30, tzinfo=dt.timezone.utc)})
        self.assertEqual(body_of(http.last), {"value": {"at": "2026-02-25T10:30:00.000Z"}})


class AnswerTest(unittest.TestCase):
    def test_parses_objects_as_records_all_the_way_down(self) -> None:
        http = FakeHttp(reply(200, {"run_id": "run_1", "tasks": [{"task_id": "tsk_1", "output": {"total": 3}}]}))
        client, _ = make_client(http)
        run = client.runs.get("run_1")
        self.assertIsInstance(run, switchyard.Record)
        self.assertEqual(run.tasks[0].output.total, 3)
        self.assertEqual(run["tasks"][0]["output"]["total"], 3)

    def test_an_empty_success_is_none_and_a_garbled_one_an_invalid_response(self) -> None:
        http = FakeHttp(reply(204), reply(200, raw=b"<html>oops</html>"))
        client, _ = make_client(http)
        self.assertIsNone(client.memory.get("mem_1"))
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            client.memory.get("mem_1")
        self.assertEqual((caught.exception.status, caught.exception.code), (200, "invalid_response"))


class ErrorMappingTest(unittest.TestCase):
    def test_maps_the_contracts_error_json(self) -> None:
        details = {"action": "memory:write", "resource": "memory:kb", "policy_id": "only-a", "reason": "denied"}
        http = FakeHttp(error(403, "forbidden", "denied by policy 'only-a'", details, headers={"X-Request-Id": "req_9"}))
        client, sleeps = make_client(http)
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            client.memory.store(agent_id="kb", content="x")
        err = caught.exception
        self.assertEqual((err.status, err.code, err.message, err.request_id), (403, "forbidden", "denied by policy 'only-a'", "req_9"))
        self.assertEqual(err.details, details)
        self.assertEqual(err.details.policy_id, "only-a")
        self.assertIn("forbidden (HTTP 403): denied by policy 'only-a'", str(err))
        self.assertEqual((len(http.requests), sleeps), (1, []))

    def test_describes_error_answers_without_the_error_json_by_their_status(self) -> None:
        http = FakeHttp(
            reply(502, raw=b"<html>Bad gateway</html>"),
            reply(404),
            reply(422, {"message": "not ours"}),
            reply(301, headers={"Location": "https://switchyard.test/v1/whoami"}),
        )
        client, _ = make_client(http)
        expected = [(502, "http_502", "Bad gateway"), (404, "not_found", "HTTP 404"), (422, "unprocessable", "not ours"), (301, "http_301", "https://switchyard.test")]
        for status, code, text in expected:
            with self.subTest(status=status), self.assertRaises(switchyard.SwitchyardError) as caught:
                client.whoami()
            self.assertEqual((caught.exception.status, caught.exception.code), (status, code))
            self.assertIn(text, caught.exception.message)

    def test_is_an_exception_that_pickles(self) -> None:
        import pickle

        err = switchyard.SwitchyardError(409, "conflict", "version 3 expected", {"current": 4}, "req_1")
        again = pickle.loads(pickle.dumps(err))
        self.assertEqual((again.status, again.code, again.message, again.details, again.request_id), (409, "conflict", "version 3 expected", {"current": 4}, "req_1"))


class RetryTest(unittest.TestCase):
    def test_waits_as_retry_after_says_on_429_and_503(self) -> None:
        http = FakeHttp(error(429, "rate_limited", headers={"Retry-After": "2"}), error(503, "unavailable", headers={"Retry-After": "0"}), reply(200, {"agent_id": "a"}))
        client, sleeps = make_client(http)
        self.assertEqual(client.whoami().agent_id, "a")
        self.assertEqual(sleeps, [2.0, 0.0])
        self.assertEqual(len(http.requests), 3)

    def test_backs_off_exponentially_without_retry_after_then_gives_up_with_the_last_error(self) -> None:
        http = FakeHttp(error(503, "unavailable"), error(503, "unavailable"), error(503, "unavailable", "still down"))
        client, sleeps = make_client(http)
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            client.whoami()
        self.assertEqual((caught.exception.code, caught.exception.message), ("unavailable", "still down"))
        self.assertEqual(sleeps, [0.5, 1.0])
        self.assertEqual(len(http.requests), 3)

    def test_does_not_wait_longer_than_a_minute(self) -> None:
        http = FakeHttp(error(429, "rate_limited", headers={"Retry-After": "61"}))
        client, sleeps = make_client(http)
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            client.whoami()
        self.assertEqual((caught.exception.status, sleeps, len(http.requests)), (429, [], 1))

    def test_reads_retry_after_as_an_http_date(self) -> None:
        self.assertEqual(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 - 7), 7.0)
        self.assertEqual(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 + 7), 0.0)
        for unreadable in [None, "", "soon", "nan", "inf"]:
            self.assertIsNone(retry_after_seconds(unreadable))

    def test_retries_a_409_only_when_it_says_retry_after(self) -> None:
        in_progress = error(409, "conflict", "still in progress", {"reason": "idempotency_in_progress"}, headers={"Retry-After": "1"})
        http = FakeHttp(in_progress, reply(201, {"memory_id": "mem_1"}), error(409, "conflict", "taken"))
        client, sleeps = make_client(http)
        self.assertEqual(client.memory.store(agent_id="kb", content="x").memory_id, "mem_1")
        self.assertEqual(sleeps, [1.0])
        with self.assertRaises(switchyard.SwitchyardError):
            client.agents.create("a")
        self.assertEqual(len(http.requests), 3)

    def test_never_retries_other_answers(self) -> None:
        for status, code in [(400, "invalid_request"), (401, "unauthorized"), (404, "not_found"), (422, "unprocessable"), (500, "internal")]:
            with self.subTest(status=status):
                http = FakeHttp(error(status, code))
                client, sleeps = make_client(http)
                with self.assertRaises(switchyard.SwitchyardError):
                    client.whoami()
                self.assertEqual((len(http.requests), sleeps), (1, []))

    def test_max_retries_zero_sends_once(self) -> None:
        http = FakeHttp(error(503, "unavailable"))
        client, _ = make_client(http, max_retries=0)
        with self.assertRaises(switchyard.SwitchyardError):
            client.whoami()
        self.assertEqual(len(http.requests), 1)

    def test_backoff_grows_to_a_ceiling_with_jitter_between_half_and_all_of_it(self) -> None:
        self.assertEqual([backoff_seconds(n, lambda: 1.0) for n in range(6)], [0.5, 1.0, 2.0, 4.0, 8.0, 8.0])
        self.assertEqual(backoff_seconds(3, lambda: 0.0), 2.0)


class LostAnswerTest(unittest.TestCase):
    def test_resends_reads_after_a_connection_error_or_timeout(self) -> None:
        http = FakeHttp(ConnectionResetError("reset by peer"), socket.timeout("timed out"), reply(200, {"value": 7}))
        client, sleeps = make_client(http)
        self.assertEqual(client.state.get("a", "k"), 7)
        self.assertEqual(sleeps, [0.5, 1.0])

    def test_resends_a_creating_post_with_the_same_idempotency_key(self) -> None:
        http = FakeHttp(ConnectionRefusedError("refused"), TimeoutError("slow"), reply(201, {"branch_id": "br_1"}))
        client, _ = make_client(http)
        self.assertEqual(client.branches.create(label="x").branch_id, "br_1")
        keys = {r.headers["idempotency-key"] for r in http.requests}
        self.assertEqual(len(http.requests), 3)
        self.assertEqual(len(keys), 1)

    def test_gives_each_creating_call_its_own_key_or_the_callers(self) -> None:
        http = FakeHttp(reply(201, {}), reply(201, {}), reply(201, {}), reply(200, {}))
        client, _ = make_client(http)
        client.cot.log(session_id="s", step_type="observation", content="a")
        client.cot.log(session_id="s", step_type="observation", content="b")
        client.inbox.send("agent-b", {"hi": 1}, idempotency_key="send-42")
        client.memory.get("mem_1")
        keys = [r.headers.get("idempotency-key") for r in http.requests]
        self.assertEqual(len({keys[0], keys[1]}), 2)
        self.assertEqual(keys[2:], ["send-42", None])

    def test_does_not_resend_what_a_repeat_could_harm(self) -> None:
        cases = [
            ("a merge", lambda c: c.branches.merge("br_1", strategy="branch_wins")),
            ("a compare-and-set", lambda c: c.state.set("a", "k", 1, expected_version=2)),
            ("a delete", lambda c: c.memory.delete("mem_1")),
            ("an insert into a branch", lambda c: c.branches.write("br_1", "t", [{"id": 1}])),
            ("a SQL write", lambda c: c.query("INSERT INTO t VALUES (1)")),
            ("a SELECT that writes", lambda c: c.query("WITH x AS (SELECT 1) DELETE FROM t")),
        ]
        for name, call in cases:
            with self.subTest(name):
                http = FakeHttp(ConnectionResetError("reset"))
                client, sleeps = make_client(http)
                with self.assertRaises(switchyard.SwitchyardError) as caught:
                    call(client)
                self.assertEqual((caught.exception.status, caught.exception.code), (0, "connection_error"))
                self.assertEqual((len(http.requests), sleeps), (1, []))

    def test_resends_what_a_repeat_cannot_harm(self) -> None:
        cases = [
            ("a plain state write", lambda c: c.state.set("a", "k", 1)),
            ("an upsert into a branch", lambda c: c.branches.write("br_1", "t", [{"id": 1}], mode="upsert")),
            ("a read query", lambda c: c.query("SELECT * FROM t")),
            ("a search", lambda c: c.memory.search(agent_id="kb", query="q")),
            ("a verification", lambda c: c.cot.verify_chain("s")),
            ("an ack", lambda c: c.inbox.ack("a", ["msg_1"])),
        ]
        for name, call in cases:
            with self.subTest(name):
                http = FakeHttp(ConnectionResetError("reset"), reply(200, {"results": [], "rows": []}))
                client, _ = make_client(http)
                call(client)
                self.assertEqual(len(http.requests), 2)

    def test_reports_a_timeout_as_such(self) -> None:
        http = FakeHttp(TimeoutError("slow"), TimeoutError("slow"), TimeoutError("slow"))
        client, _ = make_client(http, timeout=2.5)
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            client.whoami()
        self.assertEqual((caught.exception.status, caught.exception.code), (0, "timeout"))
        self.assertIn("2.5 s", caught.exception.message)
        self.assertEqual([r.timeout for r in http.requests], [2.5, 2.5, 2.5])

    def test_gives_a_long_poll_its_wait_on_top_of_the_timeout(self) -> None:
        http = FakeHttp(reply(200, {"items": []}), reply(200, {"items": []}))
        client, _ = make_client(http, timeout=10)
        client.inbox.poll("agent-b", wait_seconds=25)
        client.inbox.poll("agent-b")
        self.assertEqual([r.timeout for r in http.requests], [55.0, 10.0])


class _LocalHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        pass

    def _send(self, status: int, body: bytes, headers: "dict[str, str]") -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/v1/whoami":
            self._send(200, b'{"agent_id":"a"}', {"Content-Type": "application/json", "X-Request-Id": "req_ok"})
        elif self.path == "/v1/memory/mem_1":
            self._send(403, b'{"error":{"code":"forbidden","message":"no","details":{"policy_id":"p"}}}', {"X-Request-Id": "req_403"})
        elif self.path == "/v1/agents":
            self._send(301, b"", {"Location": "https://elsewhere.test/v1/agents"})
        elif self.path == "/v1/runs/slow":
            time.sleep(1.0)
            self._send(200, b"{}", {})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        echo = {"body": json.loads(body), "auth": self.headers["Authorization"], "key": self.headers["Idempotency-Key"], "type": self.headers["Content-Type"]}
        self._send(201, json.dumps(echo).encode(), {"Content-Type": "application/json"})


class UrllibSenderTest(unittest.TestCase):
    """The default sender, urllib, against a real local HTTP server."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LocalHandler)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def client(self, **options: object) -> switchyard.Client:
        return switchyard.Client(api_key="sy_k", base_url=self.base, **options)  # type: ignore[arg-type]

    def test_sends_and_reads_json(self) -> None:
        self.assertEqual(self.client().whoami(), {"agent_id": "a"})
        echo = self.client().memory.store(agent_id="kb", content="x", idempotency_key="idem-1")
        self.assertEqual(echo, {"body": {"agent_id": "kb", "content": "x"}, "auth": "Bearer sy_k", "key": "idem-1", "type": "application/json"})

    def test_reads_the_error_json_of_an_error_answer(self) -> None:
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            self.client().memory.get("mem_1")
        err = caught.exception
        self.assertEqual((err.status, err.code, err.details, err.request_id), (403, "forbidden", {"policy_id": "p"}, "req_403"))

    def test_does_not_follow_a_redirect_and_says_where_it_points(self) -> None:
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            self.client().agents.list()
        self.assertEqual(caught.exception.status, 301)
        self.assertIn("https://elsewhere.test/v1/agents", caught.exception.message)

    def test_a_slow_answer_is_a_timeout(self) -> None:
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            self.client(timeout=0.2, max_retries=0).runs.get("slow")
        self.assertEqual((caught.exception.status, caught.exception.code), (0, "timeout"))

    def test_a_refused_connection_is_a_connection_error(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        client = switchyard.Client(api_key="sy_k", base_url=f"http://127.0.0.1:{port}", max_retries=0)
        with self.assertRaises(switchyard.SwitchyardError) as caught:
            client.whoami()
        self.assertEqual((caught.exception.status, caught.exception.code), (0, "connection_error"))


if __name__ == "__main__":
    unittest.main()
