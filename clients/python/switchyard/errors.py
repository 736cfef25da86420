"""The one exception every failed call raises, and how an error answer becomes one."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from .records import parse_json

# The code a status travels with in the contract, for error answers that carry no error JSON
# (a proxy's HTML page, an empty body).
_CODE_OF_STATUS: Dict[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "payload_too_large",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


class SwitchyardError(Exception):
    """A failed call: a non-2xx answer, or a request that got no usable answer at all.

    Attributes:
        status: the HTTP status, or 0 when no HTTP answer arrived.
        code: the contract's error code (``invalid_request``, ``forbidden``, ``not_found``,
            ``conflict``, ``rate_limited``, ...) or one the client reports itself:
            ``connection_error`` (no answer), ``timeout`` (no answer in time),
            ``invalid_response`` (an answer that is not the promised JSON) and ``http_<status>``
            (an error answer without Switchyard's error JSON, e.g. from a proxy).
        message: what was wrong, and usually how to fix it.
        details: the error's ``details``: the failing field paths for 400; action, resource and
            policy id for 403.
        request_id: the server's ``X-Request-Id`` for the call: quote it when asking what happened.

    Example::

        try:
            client.state.set("writer", "draft", text, expected_version=3)
        except switchyard.SwitchyardError as err:
            if err.code != "conflict":
                raise
            # someone else wrote first: read again and merge
    """

    status: int
    code: str
    message: str
    details: Any
    request_id: Optional[str]

    def __init__(self, status: int, code: str, message: str, details: Any = None, request_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status else "no answer"
        text = f"{self.code} ({where}): {self.message}"
        if self.details is not None:
            text += f" details={json.dumps(self.details, default=str)}"
        return text

    def __repr__(self) -> str:
        return f"SwitchyardError(status={self.status!r}, code={self.code!r}, message={self.message!r}, details={self.details!r})"

    def __reduce__(self) -> Any:
        # Exceptions pickle their args; ours are keyword-rich, so say how to rebuild one (multiprocessing).
        return (type(self), (self.status, self.code, self.message, self.details, self.request_id))


def error_from_response(status: int, body: bytes, request_id: Optional[str]) -> SwitchyardError:
    """The error for a non-2xx answer: the contract's ``{"error": {code, message, details}}`` when the
    body carries it, else an error described by the status and the start of the body."""
    text = body.decode("utf-8", errors="replace")
    try:
        parsed = parse_json(text)
    except ValueError:
        parsed = None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str):
        return SwitchyardError(status, error["code"], error["message"], error.get("details"), request_id)
    snippet = text.strip()[:200]
    return SwitchyardError(
        status,
        _CODE_OF_STATUS.get(status, f"http_{status}"),
        f"HTTP {status} without an error body from Switchyard" + (f": {snippet}" if snippet else ""),
        None,
        request_id,
    )
