"""Events (``/v1/events``) and their types (``/v1/event-types``)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterator, Optional, Union

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, page_of, paginate

Time = Union[str, _dt.datetime]


class Events(Resource):
    """Publish events, and read each event with its decisions: for every workflow subscribed to its
    type, matched or not and why, and the run it started.

    Example::

        answer = client.events.publish("data.loaded", {"source": "sales_warehouse", "row_count": 1200}, event_id="load-2026-11-21")
        answer.runs        # [{run_id, workflow}]; publishing the same event_id again starts nothing new
    """

    def publish(
        self,
        type: str,
        data: Dict[str, Any],
        *,
        source: Optional[str] = None,
        event_id: Optional[str] = None,
        time: Optional[Time] = None,
        idempotency_key: Optional[str] = None,
    ) -> Record:
        """Publishes an event: ``POST /v1/events`` → ``{event_id, duplicate, runs: [{run_id, workflow}]}``.
        The same ``event_id`` within the dedupe window starts nothing new (``duplicate: true``)."""
        body = fields(type=type, data=data, source=source, event_id=event_id, time=time)
        return self._t.request("POST", "/v1/events", body=body, creates=True, idempotency_key=idempotency_key)

    def list(self, *, type: Optional[str] = None, since: Optional[Time] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of events with their decisions: ``GET /v1/events?type=&since=``."""
        return page_of(self._t.request("GET", "/v1/events", query={"type": type, "since": since, "limit": limit, "cursor": cursor}))

    def list_all(self, *, type: Optional[str] = None, since: Optional[Time] = None, limit: Optional[int] = None) -> Iterator[Record]:
        """Every event matching, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(type=type, since=since, limit=limit, cursor=cursor))

    def get(self, event_id: str) -> Record:
        """One event with its decisions: ``GET /v1/events/{event_id}`` → ``{event_id, type, source, data,
        time, status, rejection, publisher, published_by, decisions, runs}``; each decision ``{workflow,
        revision, matched, reason, entries: [{source, filter, matched, reason, saw}], run_id, run_status,
        run_error}`` says why a subscribed workflow ran or did not."""
        return self._t.request("GET", path("/v1/events/{}", event_id))


class EventTypes(Resource):
    """Event types (admin registers them): a JSON Schema every event of the type must match. A string
    field whose schema is an ``enum`` is an ordered level in filters (``severity >= 'high'``)."""

    def put(self, type: str, schema: Dict[str, Any], description: Optional[str] = None) -> Record:
        """Registers or changes an event type: ``PUT /v1/event-types/{type}``."""
        return self._t.request("PUT", path("/v1/event-types/{}", type), body=fields(schema=schema, description=description), replayable=True)

    register = put

    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Page[Record]":
        """One page of event types: ``GET /v1/event-types``."""
        return page_of(self._t.request("GET", "/v1/event-types", query={"limit": limit, "cursor": cursor}))

    def list_all(self, *, limit: Optional[int] = None) -> Iterator[Record]:
        """Every event type, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(limit=limit, cursor=cursor))

    def get(self, type: str) -> Record:
        """``GET /v1/event-types/{type}``."""
        return self._t.request("GET", path("/v1/event-types/{}", type))

    def delete(self, type: str) -> Record:
        """``DELETE /v1/event-types/{type}``."""
        return self._t.request("DELETE", path("/v1/event-types/{}", type))
