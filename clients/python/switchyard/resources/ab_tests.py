"""A/B tests of agent versions (``/v1/ab-tests``) and deployment guard rails (``/v1/guard-rails``)."""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional, Sequence

from ..records import Page, Record
from ..transport import path
from ._base import Resource, fields, page_of, paginate


class AbTests(Resource):
    """Compare two versions of an agent on live traffic (admin creates, stops and promotes).

    Example::

        test = admin.ab_tests.create(
            agent="revenue-analyst", versions={"a": "1.2.0", "b": "1.3.0-beta"}, traffic_split={"a": 80, "b": 20},
            metrics=["success_rate", "avg_duration_ms", "avg_token_usage", "quality_score"], duration_days=14,
        )
        report = admin.ab_tests.get(test.ab_test_id)
        report.recommendation, report.metrics.success_rate.p_value
    """

    def create(
        self,
        agent: str,
        versions: Mapping[str, str],
        traffic_split: Mapping[str, float],
        metrics: Sequence[str],
        *,
        duration_days: Optional[float] = None,
        min_samples: Optional[int] = None,
        sequential: Optional[bool] = None,
        auto_rollback: Optional[bool] = None,
        idempotency_key: Optional[str] = None,
    ) -> Record:
        """Starts a test: ``POST /v1/ab-tests`` → ``{ab_test_id, ..., status: "running", started_at}``.
        One running test per agent (``conflict``, 409)."""
        body = fields(
            agent=agent, versions=dict(versions), traffic_split=dict(traffic_split), metrics=list(metrics), duration_days=duration_days,
            min_samples=min_samples, sequential=sequential, auto_rollback=auto_rollback,
        )
        return self._t.request("POST", "/v1/ab-tests", body=body, creates=True, idempotency_key=idempotency_key)

    def create_from_yaml(self, yaml_text: str, *, idempotency_key: Optional[str] = None) -> Record:
        """Starts a test from YAML text, such as the seed's ``ab_test:`` block (the fields at the top level
        or under ``ab_test:``): ``POST /v1/ab-tests`` as ``application/yaml``."""
        return self._t.request(
            "POST", "/v1/ab-tests", raw_body=yaml_text.encode("utf-8"), content_type="application/yaml", creates=True, idempotency_key=idempotency_key
        )

    def get(self, ab_test_id: str) -> Record:
        """The test and its statistics: ``GET /v1/ab-tests/{id}`` → ``{..., arms, metrics, srm,
        recommendation, reason}``."""
        return self._t.request("GET", path("/v1/ab-tests/{}", ab_test_id))

    def list(
        self, *, agent: Optional[str] = None, status: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> "Page[Record]":
        """One page of tests, each with its arms and verdict: ``GET /v1/ab-tests?agent=&status=``."""
        return page_of(self._t.request("GET", "/v1/ab-tests", query={"agent": agent, "status": status, "limit": limit, "cursor": cursor}))

    def list_all(self, *, agent: Optional[str] = None, status: Optional[str] = None, limit: Optional[int] = None) -> Iterator[Record]:
        """Every test matching, fetching pages as the loop goes."""
        return paginate(lambda cursor: self.list(agent=agent, status=status, limit=limit, cursor=cursor))

    def stop(self, ab_test_id: str, reason: Optional[str] = None) -> Record:
        """Stops a test, keeping version a: ``POST /v1/ab-tests/{id}/stop {reason?}``."""
        return self._t.request("POST", path("/v1/ab-tests/{}/stop", ab_test_id), body=fields(reason=reason))

    def promote(self, ab_test_id: str) -> Record:
        """Promotes arm b's version: ``POST /v1/ab-tests/{id}/promote``."""
        return self._t.request("POST", path("/v1/ab-tests/{}/promote", ab_test_id))


class GuardRails(Resource):
    """The deployment's guard rails (admin): ``max_run_seconds``, ``max_tasks_per_run``,
    ``max_tokens_per_task``, ``max_message_bytes``, ``requests_per_minute`` and ``pii``."""

    def get(self) -> Record:
        """``GET /v1/guard-rails``."""
        return self._t.request("GET", "/v1/guard-rails")

    def put(self, **rules: Any) -> Record:
        """Sets them: ``PUT /v1/guard-rails``, e.g. ``put(requests_per_minute=600, pii={"detect": ["email"], "mode": "redact"})``."""
        return self._t.request("PUT", "/v1/guard-rails", body=rules, replayable=True)

