"""Every call goes through here: authentication, JSON, timeouts, retries, Idempotency-Key, errors.

The resources (``switchyard/resources/*.py``) are thin layers over :meth:`Transport.request`. The HTTP
itself is one function, :data:`HttpSender`, so tests and proxies can replace it without a network.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import http.client
import json
import platform
import random as _random
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional

from .errors import SwitchyardError, error_from_response
from .records import parse_json

__all__ = [
    "HttpRequest",
    "HttpResponse",
    "HttpSender",
    "Transport",
    "urllib_sender",
    "backoff_seconds",
    "retry_after_seconds",
    "is_retryable",
    "path",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "MAX_RETRY_AFTER",
]

VERSION = "0.1.0"
DEFAULT_TIMEOUT = 30.0
"""Seconds per attempt; a request that takes longer fails with code ``timeout``."""
DEFAULT_MAX_RETRIES = 2
"""How many times a failed request is sent again."""
BASE_BACKOFF = 0.5
"""First wait before a retry, in seconds; each retry doubles it, up to MAX_BACKOFF."""
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 60.0
"""A server that asks for a longer pause than this gets its error passed to the caller instead."""


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP attempt, as the transport hands it to the sender."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: Optional[bytes]
    timeout: float


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP answer, whatever its status. Header names are lower-case."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


HttpSender = Callable[[HttpRequest], HttpResponse]
"""Sends one request and returns the answer, whatever its status. Raises ``TimeoutError`` when no
answer arrived within ``request.timeout``, and ``ConnectionError`` (or another ``OSError``) when none
arrived at all."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a GET without its body. A redirect means the base URL is
    # wrong (http:// for an https:// deployment, say), so it is reported with where it points instead.
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def urllib_sender(request: HttpRequest) -> HttpResponse:
    """The default :data:`HttpSender`, on ``urllib.request`` (one connection per request, so it may
    be used from several threads at once). Honours the usual proxy environment variables."""
    req = urllib.request.Request(request.url, data=request.body, method=request.method, headers=dict(request.headers))
    try:
        with _opener.open(req, timeout=request.timeout) as resp:
            return HttpResponse(resp.status, _lower(resp.headers), resp.read())
    except urllib.error.HTTPError as err:
        # A non-2xx answer is still an answer: its body carries the contract's error JSON.
        try:
            body = err.read()
        finally:
            err.close()
        return HttpResponse(err.code, _lower(err.headers), body)
    except urllib.error.URLError as err:
        if isinstance(err.reason, (socket.timeout, TimeoutError)):
            raise TimeoutError(str(err.reason)) from err
        raise ConnectionError(str(err.reason)) from err
    except (socket.timeout, TimeoutError) as err:
        raise TimeoutError(str(err) or "timed out") from err
    except http.client.HTTPException as err:
        raise ConnectionError(f"{type(err).__name__}: {err}") from err


def _lower(headers: Any) -> Dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers.items() if headers is not None else [])}


def is_retryable(status: int, headers: Mapping[str, str]) -> bool:
    """429 and 503 mean the server refused the request before doing anything, so any request may be
    sent again. So does a 409 with ``Retry-After``: the server's answer while the first request with the
    same Idempotency-Key is still being carried out. Every other status is an answer to keep."""
    return status in (429, 503) or (status == 409 and "retry-after" in headers)


def backoff_seconds(attempt: int, random: Callable[[], float] = _random.random) -> float:
    """The wait before retry number ``attempt`` (0 for the first): exponential, with jitter in [½, 1]
    so that many agents do not retry in step."""
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * 2**attempt)
    return ceiling * (0.5 + random() / 2)


def retry_after_seconds(header: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """``Retry-After`` in seconds (given as seconds or as an HTTP date), or None when absent or unreadable."""
    if header is None or header.strip() == "":
        return None
    try:
        seconds = float(header)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None
    try:
        when = email.utils.parsedate_to_datetime(header.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": the RFC's way of saying UTC without saying where
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def path(template: str, *segments: str) -> str:
    """Builds a request path with each value encoded as one path segment:
    ``path("/v1/state/{}/{}", agent_id, key)``. A value containing ``/``, ``?`` or ``#`` stays inside its
    segment instead of reaching another route."""
    return template.format(*(_segment(s) for s in segments))


def _segment(value: str) -> str:
    # URL parsers resolve "." and ".." (even as %2E) before the request leaves, so such a segment would
    # address a different resource; an empty one would address the collection.
    if not isinstance(value, str) or value in ("", ".", ".."):
        raise SwitchyardError(0, "invalid_request", f"{value!r} cannot be used as an id in a URL: ids are non-empty strings, not '.' or '..'.")
    return urllib.parse.quote(value, safe="")


def timestamp(value: _dt.datetime) -> str:
    """The contract's time format, ``2026-11-21T10:30:00.000Z``, for an aware datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise TypeError(f"a naive datetime ({value.isoformat()}) has no time zone; pass an aware one, e.g. datetime.now(timezone.utc)")
    utc = value.astimezone(_dt.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _json_default(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return timestamp(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON: send dicts, lists, strings, numbers, booleans, None (and aware datetimes)")


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON. NaN and infinities are refused: they are not JSON."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default).encode("utf-8")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return timestamp(value)
    return str(value)


_SCHEME = re.compile(r"^https?://", re.IGNORECASE)


def checked_base_url(base_url: str) -> str:
    """The deployment's origin (and path prefix, if it sits under one), without a trailing slash."""
    if not isinstance(base_url, str) or not _SCHEME.match(base_url.strip()):
        raise ValueError(f"base_url must be an absolute http(s) URL such as http://localhost:8787, not {base_url!r}")
    parts = urllib.parse.urlsplit(base_url.strip())
    if not parts.netloc:
        raise ValueError(f"base_url must name a host, as in http://localhost:8787, not {base_url!r}")
    return f"{parts.scheme.lower()}://{parts.netloc}{parts.path}".rstrip("/")


class Transport:
    """Sends requests to one deployment with one key.

    Up to ``max_retries`` more attempts are made, with exponential backoff and jitter, when the
    server answers 429 or 503 (honouring ``Retry-After`` up to a minute) or 409 with ``Retry-After``,
    and, for replayable requests, when no answer arrived at all (connection error, timeout). Creating
    POSTs carry an ``Idempotency-Key``, the same on every attempt, so their retries create nothing twice.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http: Optional[HttpSender] = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.base_url = checked_base_url(base_url)
        if not isinstance(api_key, str) or api_key.strip() == "":
            raise ValueError("api_key is required: an agent key (sy_...) or the admin token")
        self._api_key = api_key.strip()
        if not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        if not (isinstance(max_retries, int) and not isinstance(max_retries, bool) and max_retries >= 0):
            raise ValueError(f"max_retries must be an integer of at least 0, not {max_retries!r}")
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self._http: HttpSender = http or urllib_sender
        self._sleep = sleep
        self._random = random
        self._user_agent = f"switchyard-python/{VERSION} Python/{platform.python_version()}"

    def __repr__(self) -> str:
        # Never the key: reprs end up in logs.
        return f"Transport(base_url={self.base_url!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        raw_body: Optional[bytes] = None,
        content_type: str = "application/json",
        creates: bool = False,
        replayable: Optional[bool] = None,
        idempotency_key: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Sends the request and returns the parsed JSON of a 2xx answer (objects as Records; None
        for an empty body); raises :class:`SwitchyardError` otherwise.

        Args:
            path: built with :func:`path`, so already encoded.
            query: query parameters; None values are left out.
            body: sent as JSON unless None (``raw_body`` sends bytes as they are, with ``content_type``).
            creates: a creating POST: carries an ``Idempotency-Key`` (``idempotency_key``, or a random
                one), the same on every retry.
            replayable: whether sending it twice does no harm, so that it may be retried after an
                answer was lost. Default: GETs and creating calls. A compare-and-set or a DELETE is
                not: if the lost answer was a success, the repeat would report a misleading 409 or 404.
            timeout: seconds per attempt, instead of the client's (e.g. a long poll).
        """
        url = self.base_url + path
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"authorization": f"Bearer {self._api_key}", "accept": "application/json", "user-agent": self._user_agent}
        data: Optional[bytes] = None
        if raw_body is not None:
            data = raw_body
            headers["content-type"] = content_type
        elif body is not None:
            data = encode_json(body)
            headers["content-type"] = "application/json"
        if creates:
            headers["idempotency-key"] = idempotency_key or str(uuid.uuid4())
        replay = replayable if replayable is not None else (method == "GET" or creates)
        attempt_timeout = self.timeout if timeout is None else timeout
        request = HttpRequest(method, url, headers, data, attempt_timeout)

        attempt = 0
        while True:
            retries_left = attempt < self.max_retries
            try:
                response = self._http(request)
            except (TimeoutError, socket.timeout) as err:
                failure = SwitchyardError(0, "timeout", f"No answer from {method} {url} within {attempt_timeout:g} s.")
                failure.__cause__ = err
            except OSError as err:  # ConnectionError and every other socket-level failure
                failure = SwitchyardError(0, "connection_error", f"Could not reach {method} {url}: {err}")
                failure.__cause__ = err
            else:
                request_id = response.headers.get("x-request-id")
                if 200 <= response.status < 300:
                    return _parse(response, request_id)
                if retries_left and is_retryable(response.status, response.headers):
                    wait = retry_after_seconds(response.headers.get("retry-after"))
                    if wait is None:
                        wait = backoff_seconds(attempt, self._random)
                    if wait <= MAX_RETRY_AFTER:
                        self._sleep(wait)
                        attempt += 1
                        continue
                if 300 <= response.status < 400:
                    raise SwitchyardError(
                        response.status,
                        f"http_{response.status}",
                        f"{method} {url} was redirected to {response.headers.get('location', '(no Location)')}: use that deployment URL as base_url.",
                        request_id=request_id,
                    )
                raise error_from_response(response.status, response.body, request_id)
            if not replay or not retries_left:
                raise failure
            self._sleep(backoff_seconds(attempt, self._random))
            attempt += 1


def _parse(response: HttpResponse, request_id: Optional[str]) -> Any:
    if not response.body:
        return None
    try:
        return parse_json(response.body.decode("utf-8"))
    except ValueError as err:
        raise SwitchyardError(
            response.status,
            "invalid_response",
            f"HTTP {response.status} with a body that is not JSON: {response.body[:200]!r}",
            request_id=request_id,
        ) from err
