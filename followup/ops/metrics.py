"""Prometheus metrics (prometheus-client), served at ``GET /metrics`` by ``webhooks.metrics``.

Two kinds, on purpose:

* The business figures (follow-ups by outcome, texts by status and error code, replies by
  category, callbacks open and overdue, sender lag) are read from the database at scrape time by
  a custom collector: a handful of grouped COUNT queries. They are the same whichever gunicorn
  worker answers the scrape, survive restarts, and need no state in the web workers. They are
  gauges (rows move between statuses); the rows are never deleted (the purge keeps them), so a
  count of sent texts only grows.
* Traffic seen by this process (intake events by outcome, webhook and API latency) is counted in
  memory. With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder
  before starting them (prometheus-client reads it at import): each worker writes its counts
  there and any worker's /metrics adds them all up. Without it the figures are this one
  process's, which is right for ``followup run`` and a single worker.

When FOLLOWUP_METRICS_TOKEN is set, /metrics wants ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from followup.core.clock import Clock
from followup.core.db import Database
from followup.models import (
    Agency,
    Callback,
    CallbackStatus,
    FollowUp,
    Message,
    MessageDirection,
)
from followup.ops.health import sender_lag
from followup.reports import facts

logger = logging.getLogger(__name__)



def intake_outcome(status: int) -> str:
    """Name what happened to a posted event by the API's answer."""
    if status == 202:
        return "accepted"  # a new call or a change: eligibility ran
    if status == 200:
        return "unchanged"  # the same event again (a retry): nothing to do
    if status in (401, 403):
        return "unauthorized"
    if status == 429:
        return "throttled"
    if 400 <= status < 500:
        return "invalid"
    return "error"


class BusinessCollector:
    """Read the business figures from the database on each scrape."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    def describe(self) -> list[Metric]:
        return []  # registering must not query the database

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("followup_database_up", "1 when the database answered this scrape")
        try:
            families = self._families()
        except Exception as exc:
            logger.warning("metrics: database query failed: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    # Long because each metric family is one grouped query and its labels, one after another.
    def _families(self) -> list[Metric]:
        now = self.clock.now()
        with self.db.Session() as session:
            slugs = dict(session.execute(select(Agency.id, Agency.slug)).all())

            followups = GaugeMetricFamily(
                "followup_followups",
                "Follow-ups by status and reason (skipped, cancelled and failed ones say why)",
                labels=["agency", "status", "reason"],
            )
            for agency_id, status, reason, count in session.execute(
                select(FollowUp.agency_id, FollowUp.status, FollowUp.reason, func.count()).group_by(
                    FollowUp.agency_id, FollowUp.status, FollowUp.reason
                )
            ):
                followups.add_metric([slugs.get(agency_id, "?"), status, reason or ""], count)

            outbound = GaugeMetricFamily(
                "followup_outbound_messages",
                "Texts sent by status and the gateway's error code (empty when none)",
                labels=["agency", "status", "error_code"],
            )
            replies = GaugeMetricFamily(
                "followup_replies",
                "Replies received by triage category",
                labels=["agency", "category"],
            )
            for agency_id, status, code, count in session.execute(
                select(Message.agency_id, Message.status, Message.error_code, func.count())
                .where(Message.direction == MessageDirection.OUTBOUND)
                .group_by(Message.agency_id, Message.status, Message.error_code)
            ):
                code_label = "" if code is None else str(code)
                outbound.add_metric([slugs.get(agency_id, "?"), status, code_label], count)
            for agency_id, category, count in session.execute(
                select(Message.agency_id, Message.category, func.count())
                .where(Message.direction == MessageDirection.INBOUND)
                .group_by(Message.agency_id, Message.category)
            ):
                replies.add_metric([slugs.get(agency_id, "?"), category or "untriaged"], count)

            unresolved = Callback.status != CallbackStatus.RESOLVED
            open_ = GaugeMetricFamily(
                "followup_callbacks_open",
                "Callbacks not yet resolved (open or claimed), by priority",
                labels=["agency", "priority"],
            )
            overdue = GaugeMetricFamily(
                "followup_callbacks_overdue",
                "Unresolved callbacks past their due time, by priority",
                labels=["agency", "priority"],
            )
            for agency_id, priority, total, late in session.execute(
                select(
                    Callback.agency_id,
                    Callback.priority,
                    func.count(),
                    func.count().filter(Callback.due_by < now),
                )
                .where(unresolved)
                .group_by(Callback.agency_id, Callback.priority)
            ):
                open_.add_metric([slugs.get(agency_id, "?"), priority], total)
                overdue.add_metric([slugs.get(agency_id, "?"), priority], late)

            lag = GaugeMetricFamily(
                "followup_sender_lag_seconds",
                "Age of the oldest due check-in not yet sent (0 when none waits)",
            )
            lag.add_metric([], sender_lag(session, now))
            uncounted = GaugeMetricFamily(
                "followup_report_changes_waiting",
                "Changes logged for the reports and not yet counted (the sender counts them "
                "every minute: a growing figure means no sender is running)",
            )
            uncounted.add_metric([], facts.pending(session))
        return [followups, outbound, replies, open_, overdue, lag, uncounted]


class Metrics:
    """One app's registry: the database collector and this process's traffic figures."""

    def __init__(self, db: Database, clock: Clock, *, multiprocess_dir: str | None = None):
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(BusinessCollector(db, clock))
        if multiprocess_dir:
            # Every worker writes its figures to files in the folder; read them all back.
            MultiProcessCollector(self.registry, path=multiprocess_dir)
            own = None
        else:
            own = self.registry
        self.intake_events = Counter(
            "followup_intake_events",
            "Call events posted to the intake API, by outcome",
            ["outcome"],
            registry=own,
        )
        self.request_seconds = Histogram(
            "followup_webhook_duration_seconds",
            "Time to answer Twilio's webhooks and the intake API, by endpoint",
            ["endpoint"],
            registry=own,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
