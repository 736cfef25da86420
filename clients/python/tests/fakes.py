"""A fake HTTP layer for the unit tests: records every request and answers from a script or a function."""

from __future__ import annotations

import json
import threading
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import switchyard
from switchyard.transport import HttpRequest, HttpResponse

Answer = Union[HttpResponse, BaseException, Callable[[HttpRequest], HttpResponse]]


def reply(status: int = 200, body: Any = None, headers: Optional[Dict[str, str]] = None, raw: Optional[bytes] = None) -> HttpResponse:
    """An answer with a JSON body (or ``raw`` bytes)."""
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    return HttpResponse(status, {k.lower(): v for k, v in (headers or {}).items()}, data)


def error(status: int, code: str, message: str = "nope", details: Any = None, headers: Optional[Dict[str, str]] = None) -> HttpResponse:
    """The contract's error answer."""
    return reply(status, {"error": {"code": code, "message": message, "details": details}}, headers)


class FakeHttp:
    """An :data:`HttpSender` that answers from ``script`` in order, then from ``route`` (if given)."""

    def __init__(self, *script: Answer, route: Optional[Callable[[HttpRequest], HttpResponse]] = None) -> None:
        self.script: List[Answer] = list(script)
        self.route = route
        self.requests: List[HttpRequest] = []
        self._lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with self._lock:
            self.requests.append(request)
            answer: Optional[Answer] = self.script.pop(0) if self.script else None
        if answer is None:
            if self.route is None:
                raise AssertionError(f"unexpected request {request.method} {request.url}")
            return self.route(request)
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    @property
    def last(self) -> HttpRequest:
        return self.requests[-1]


def path_of(request: HttpRequest) -> str:
    return urllib.parse.urlsplit(request.url).path


def query_of(request: HttpRequest) -> Dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.url).query))


def body_of(request: HttpRequest) -> Any:
    return None if request.body is None else json.loads(request.body)


BASE = "http://switchyard.test"


def make_client(http: FakeHttp, *, max_retries: int = 2, timeout: float = 30.0) -> Tuple[switchyard.Client, List[float]]:
    """A client on the fake, whose waits are recorded instead of slept (jitter fixed at its ceiling)."""
    client = switchyard.Client(api_key="sy_test_key", base_url=BASE, http=http, max_retries=max_retries, timeout=timeout)
    sleeps: List[float] = []
    client._transport._sleep = sleeps.append  # the tests control the clock
    client._transport._random = lambda: 1.0
    return client, sleeps
