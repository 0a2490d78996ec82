"""Running the service: the demo in one process, the web app under gunicorn, the sender."""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
import signal
from datetime import timedelta

import click

from followup.cli.context import Lazy, pass_lazy
from followup.core.config import Settings
from followup.core.durations import format_duration
from followup.models import Agency
from followup.ops.doctor import refusal, startup_problems
from followup.setup import ensure_demo_accounts, prepare_database

logger = logging.getLogger(__name__)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@pass_lazy
def run(lazy: Lazy, host: str, port: int) -> None:
    """Run the web app and the sender in one process, for trying the service out."""
    from followup.app import create_app, make_local_server
    from followup.replies.spool import replay_for
    from followup.sending.scheduler import build_scheduler

    refuse_on_fatal("run", lazy.settings)
    services = lazy.services
    agency = prepare_database(services)
    demo_password = (
        ensure_demo_accounts(services, agency) if services.settings.demo_accounts else None
    )
    app = create_app({"SERVICES": services})
    scheduler = build_scheduler(
        services.sender(),
        services.settings.send_interval_seconds,
        blocking=False,
        alert_sender=services.alert_sender(),
        replay_spool=lambda: replay_for(services),
    )
    # Bind first, then print: the sample curl works the moment it appears.
    server = make_local_server(app, host, port)
    scheduler.start()
    click.echo(
        _banner(services.settings, agency, host, server.server_port, services.clock.now(),
                demo_password)
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        scheduler.shutdown(wait=False)


def refuse_on_fatal(command: str, settings: Settings) -> None:
    """Stop before serving or sending when the configuration must not run (followup.ops.doctor:
    half of Twilio; with Twilio, no https public URL or no secret key of its own)."""
    problems = startup_problems(settings, os.environ)
    if problems:
        raise click.ClickException(refusal(command, problems))


def _banner(
    settings: Settings,
    agency: Agency,
    host: str,
    port: int,
    now: datetime,
    demo_password: str | None = None,
) -> str:
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown_host}:{port}"
    token = settings.intake_token or "<token from: followup token create>"
    closed_at = now.astimezone(agency.zone).isoformat(timespec="seconds")
    sample = {
        "call_id": f"DEMO-{secrets.token_hex(3).upper()}",
        "closed_at": closed_at,
        "call_type": "THEFT - CAR PROWL",
        "caller_phone": f"+1202555{secrets.randbelow(100) + 100:04d}",
        "caller_name": "Alex Rivera",
        "district": "North",
    }
    gateway = (
        "Twilio" if settings.twilio_enabled else "the local outbox (no texts leave this machine)"
    )
    quiet = agency.quiet_hours if agency.quiet_hours != "off" else "off"
    delay = format_duration(timedelta(seconds=agency.send_delay_seconds))
    return "\n".join(
        [
            "",
            f"Follow-up service: {base}  (agency {agency.name!r}, sending through {gateway})",
            f"  send delay {delay}, quiet hours {quiet} ({agency.timezone}); "
            f"sender sweeps every {settings.send_interval_seconds:g}s",
            "",
            "Post a sample closed call:",
            f"  curl -sS -X POST {base}/api/v1/calls \\",
            f"    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\",
            f"    -d '{json.dumps(sample)}'",
            "",
            "Then read the check-in text (once it is due):  .venv/bin/followup outbox",
            f"or reply as the caller in the phone simulator:  {base}/simulator"
            if not settings.twilio_enabled
            else "",
            *(
                [
                    "",
                    f"Callback queue: {base}/callbacks  sign in as 'commander' (or 'admin', "
                    f"'viewer') with password {demo_password}",
                    "An urgent reply (\"he's back outside right now\") alerts the demo "
                    "commander on duty: the alert text shows in the outbox and the simulator.",
                ]
                if demo_password
                else []
            ),
            "",
        ]
    )


def _token_hiding_logger():
    """gunicorn's logger, with a case page's private token left out of the access log."""
    from gunicorn.glogging import Logger

    class TokenHidingLogger(Logger):
        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            if str(atoms.get("U", "")).startswith("/c/"):
                atoms["U"] = "/c/<token>"
                atoms["r"] = f"{atoms.get('m', '')} /c/<token> {atoms.get('H', '')}"
            return atoms

    return TokenHidingLogger


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", "-w", default=2, show_default=True, type=int)
@pass_lazy
def web(lazy: Lazy, host: str, port: int, workers: int) -> None:
    """Serve the web app with gunicorn (production). Run `followup sender` beside it."""
    from gunicorn.app.base import BaseApplication

    refuse_on_fatal("web", lazy.settings)

    class _Gunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            # The access log's default format includes the query string; ours carry none with
            # personal data, but keep the format explicit so nobody adds one by accident.
            self.cfg.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms')
            self.cfg.set("logger_class", _token_hiding_logger())
            if "control_socket_disable" in self.cfg.settings:
                # gunicorn 25+ opens a control socket under $HOME by default; nothing uses it.
                self.cfg.set("control_socket_disable", True)

        def load(self):
            from followup import create_app

            return create_app()

    _Gunicorn().run()


@click.command()
@pass_lazy
def sender(lazy: Lazy) -> None:
    """Run the sending loop alone (several may run against PostgreSQL)."""
    from followup.replies.spool import replay_for
    from followup.sending.scheduler import build_scheduler

    refuse_on_fatal("sender", lazy.settings)
    services = lazy.ready
    scheduler = build_scheduler(
        services.sender(),
        services.settings.send_interval_seconds,
        blocking=True,
        alert_sender=services.alert_sender(),
        replay_spool=lambda: replay_for(services),
    )
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    logger.info("sender started: every %ss", services.settings.send_interval_seconds)
    try:
        scheduler.start()
    except KeyboardInterrupt:
        pass


@click.command("send-due")
@click.option("--once", is_flag=True, help="One batch only, instead of sweeping until none is due.")
@pass_lazy
def send_due(lazy: Lazy, once: bool) -> None:
    """Send what is due now and exit (for cron, scripts and tests)."""
    services = lazy.ready
    sender_ = services.sender()
    try:
        report = sender_.sweep() if once else sender_.drain()
    finally:
        sender_.close()
    retried = services.alert_sender().retry_pending()
    click.echo(f"{report} alerts_retried={retried}")
