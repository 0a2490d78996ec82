"""The sending loop: one APScheduler interval job that sweeps what is due.

The schedule itself lives in the followups table (status, send_at), not in APScheduler's job
store, so a restart loses nothing and a sweep costs what is due, not what is pending.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from followup.callbacks.alerts import AlertSender
from followup.sending.sender import Sender

logger = logging.getLogger(__name__)


# Long because each job of the sending loop is declared here with its own schedule.
def build_scheduler(
    sender: Sender,
    interval_seconds: float,
    *,
    blocking: bool,
    alert_sender: AlertSender | None = None,
    replay_spool: Callable[[], object] | None = None,
) -> BaseScheduler:
    """Return a scheduler with the sweep job; the caller starts it.

    ``replay_spool`` runs first in every sweep: replies that came while the database was down
    are stored and triaged as soon as it is back."""
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        job_defaults={
            # One sweep at a time per process; a late sweep still runs (the default grace of
            # one second silently skips it), and missed runs collapse into one.
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(60, int(interval_seconds * 4)),
        },
        timezone="UTC",
    )

    def sweep_job() -> None:
        if replay_spool is not None:
            try:
                replay_spool()
            except Exception:
                logger.exception("spool replay failed")
        try:
            sender.drain()
            if alert_sender is not None:
                alert_sender.retry_pending()  # an alert channel was down when danger came in
        except Exception:
            # Keep the loop alive through a database outage; the next sweep tries again.
            logger.exception("send sweep failed")

    scheduler.add_job(
        sweep_job,
        "interval",
        seconds=interval_seconds,
        id="send-due",
        # Sweep at once on start; this wall-clock read is APScheduler's, the sweep uses the clock.
        next_run_time=datetime.now(UTC),
    )

    def purge_job() -> None:
        from followup.retention import purge_if_due

        try:
            purge_if_due(sender.db, sender.clock)
        except Exception:
            logger.exception("retention purge failed")

    # Retention: hourly, each agency is purged once its last purge (in the audit trail) is a
    # day old, so restarts and several sender processes still purge about once a day.
    scheduler.add_job(
        purge_job, "interval", hours=1, id="purge", next_run_time=datetime.now(UTC)
    )

    def report_job() -> None:
        from followup.reports.facts import refresh_all

        try:
            refresh_all(sender.db)
        except Exception:
            logger.exception("report facts refresh failed")

    # Report facts: count what changed since the last run (a page counts any rest itself).
    scheduler.add_job(
        report_job, "interval", seconds=60, id="report-facts", next_run_time=datetime.now(UTC)
    )
    return scheduler
