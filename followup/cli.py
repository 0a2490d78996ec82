"""The ``followup`` command: run the service, send what is due, manage agencies and tokens."""

from __future__ import annotations

import json
import logging
import secrets
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import select

from followup import agencies, migrate, tokens
from followup.cli_context import _Lazy, pass_lazy
from followup.config import Settings
from followup.durations import format_duration, parse_duration
from followup.models import Agency, ApiToken, Message, MessageDirection
from followup.phones import mask
from followup.quiet_hours import QuietHours
from followup.setup import ensure_demo_accounts, prepare_database

logger = logging.getLogger(__name__)




@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Follow-up texting after a call for service. Configuration comes from FOLLOWUP_* variables."""
    from followup import configure_logging

    configure_logging()
    context = click.get_current_context()
    context.call_on_close(context.ensure_object(_Lazy).close)


# --- running -------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@pass_lazy
def run(lazy: _Lazy, host: str, port: int) -> None:
    """Run the web app and the sender in one process, for trying the service out."""
    from werkzeug.serving import make_server

    from followup import create_app
    from followup.scheduler import build_scheduler
    from followup.spool import replay_for

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
    server = make_server(host, port, app, threaded=True)
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
                ]
                if demo_password
                else []
            ),
            "",
        ]
    )


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", "-w", default=2, show_default=True, type=int)
def web(host: str, port: int, workers: int) -> None:
    """Serve the web app with gunicorn (production). Run `followup sender` beside it."""
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            # The access log's default format includes the query string; ours carry none with
            # personal data, but keep the format explicit so nobody adds one by accident.
            self.cfg.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms')
            if "control_socket_disable" in self.cfg.settings:
                # gunicorn 25+ opens a control socket under $HOME by default; nothing uses it.
                self.cfg.set("control_socket_disable", True)

        def load(self):
            from followup import create_app

            return create_app()

    _Gunicorn().run()


@main.command()
@pass_lazy
def sender(lazy: _Lazy) -> None:
    """Run the sending loop alone (several may run against PostgreSQL)."""
    from followup.scheduler import build_scheduler
    from followup.spool import replay_for

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


@main.command("send-due")
@click.option("--once", is_flag=True, help="One batch only, instead of sweeping until none is due.")
@pass_lazy
def send_due(lazy: _Lazy, once: bool) -> None:
    """Send what is due now and exit (for cron, scripts and tests)."""
    services = lazy.ready
    sender_ = services.sender()
    try:
        report = sender_.sweep() if once else sender_.drain()
    finally:
        sender_.close()
    retried = services.alert_sender().retry_pending()
    click.echo(f"{report} alerts_retried={retried}")


# --- spool ---------------------------------------------------------------------------------


@main.group()
def spool() -> None:
    """Twilio webhooks kept on disk while the database was down."""


@spool.command("replay")
@pass_lazy
def spool_replay(lazy: _Lazy) -> None:
    """Store and triage every spooled webhook once (the sender also does this every sweep)."""
    from followup.spool import replay_for

    report = replay_for(lazy.ready)
    click.echo(str(report))
    if report.busy:
        raise click.ClickException("another replay is running; try again when it has finished")
    if report.database_error:
        raise click.ClickException(
            f"the database is still unavailable ({report.database_error}); "
            f"{report.remaining} webhook(s) wait for the next replay"
        )


@spool.command("status")
@pass_lazy
def spool_status(lazy: _Lazy) -> None:
    """Count spooled webhooks (waiting, and set aside for a person); never shows their content."""
    from followup.spool import Spool

    folder = Spool(lazy.services.settings.spool_path)
    click.echo(f"waiting={folder.waiting()} rejected={folder.rejected_count()} "
               f"folder={folder.directory}")


# --- database ------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_lazy
def db_upgrade(lazy: _Lazy) -> None:
    """Apply migrations and create the default agency if it does not exist."""
    services = lazy.services
    before = migrate.current_revision(services.db.engine)
    agency = prepare_database(services)
    after = migrate.current_revision(services.db.engine)
    change = f"migrated {before or 'empty'} -> {after}" if before != after else "up to date"
    click.echo(f"database {change}; default agency {agency.slug!r} ({agency.name})")


@db.command("revision")
@click.option("-m", "--message", required=True)
@pass_lazy
def db_revision(lazy: _Lazy, message: str) -> None:
    """Write a new migration comparing the models with the database (for developers)."""
    migrate.revision(lazy.services.settings.database_url, message)


# --- agencies and tokens -------------------------------------------------------------------


@main.group()
def agency() -> None:
    """Agencies."""


@agency.command("create")
@click.option("--slug", required=True, help="Short id, e.g. westlake-pd.")
@click.option("--name", required=True, help="As callers know it, e.g. 'Westlake Police'.")
@click.option("--timezone", default="America/New_York", show_default=True)
@click.option("--send-delay", default="2h", show_default=True)
@click.option("--quiet-hours", default="21:00-09:00", show_default=True)
@click.option("--language", default="en", show_default=True, help="Default language.")
@click.option("--phone", default=None, help="Non-emergency number callers may use.")
@pass_lazy
def agency_create(lazy: _Lazy, slug, name, timezone, send_delay, quiet_hours, language, phone):
    """Create an agency with the default texts."""
    services = lazy.ready
    try:
        options = agencies.AgencySettings(
            name=name,
            timezone=timezone,
            send_delay=parse_duration(send_delay),
            quiet_hours=QuietHours.parse(quiet_hours),
            default_language=language,
            phone=phone,
        )
        with services.db.begin() as session:
            created = agencies.create_agency(session, slug, options, now=services.clock.now())
            click.echo(f"created agency {created.slug!r} ({created.name})")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@agency.command("list")
@pass_lazy
def agency_list(lazy: _Lazy) -> None:
    """List agencies."""
    with lazy.ready.db.Session() as session:
        for row in session.scalars(select(Agency).order_by(Agency.slug)):
            click.echo(f"{row.slug}\t{row.name}\t{row.timezone}\tquiet {row.quiet_hours}")


@main.group()
def token() -> None:
    """Intake API tokens."""


@token.command("create")
@click.option("--agency", "slug", default=None, help="Agency slug (default: the default agency).")
@click.option("--name", default="cad", show_default=True, help="What uses it, e.g. 'cad'.")
@pass_lazy
def token_create(lazy: _Lazy, slug: str | None, name: str) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    services = lazy.ready
    with services.db.begin() as session:
        try:
            owner = agencies.get_agency(session, slug or services.settings.agency_slug)
        except agencies.AgencyError as exc:
            raise click.ClickException(str(exc)) from None
        row, plain = tokens.create_token(session, owner, name, now=services.clock.now())
        click.echo(plain)
        click.echo(
            f"token {row.id} for {owner.slug!r}: store it now, it cannot be shown again", err=True
        )


@token.command("create-signing")
@click.option("--agency", "slug", default=None, help="Agency slug (default: the default agency).")
@click.option("--name", default="cad", show_default=True, help="What uses it, e.g. 'cad'.")
@pass_lazy
def token_create_signing(lazy: _Lazy, slug: str | None, name: str) -> None:
    """Create a signing key for a CAD that signs requests (X-Followup-Signature) instead of
    sending a bearer token; its key id and secret are printed once."""
    services = lazy.ready
    with services.db.begin() as session:
        try:
            owner = agencies.get_agency(session, slug or services.settings.agency_slug)
        except agencies.AgencyError as exc:
            raise click.ClickException(str(exc)) from None
        row, key_id, secret = tokens.create_signing_key(
            session, owner, name, now=services.clock.now(),
            server_secret=services.settings.secret_key,
        )
        click.echo(f"key id:  {key_id}")
        click.echo(f"secret:  {secret}")
        click.echo(
            f"signing key {row.id} for {owner.slug!r}: store both now, they cannot be shown "
            "again; the secret changes if FOLLOWUP_SECRET_KEY changes",
            err=True,
        )


@token.command("list")
@pass_lazy
def token_list(lazy: _Lazy) -> None:
    """List tokens (prefix, agency, state)."""
    with lazy.ready.db.Session() as session:
        for row in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            used = (
                f"last used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
            )
            click.echo(f"{row.id}\t{row.prefix}…\t{row.agency.slug}\t{row.name}\t{state}\t{used}")


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_lazy
def token_revoke(lazy: _Lazy, token_id: int) -> None:
    """Revoke a token at once."""
    services = lazy.ready
    with services.db.begin() as session:
        row = tokens.revoke_token(session, token_id, now=services.clock.now())
        if row is None:
            raise click.ClickException(f"no token {token_id}")
        click.echo(f"token {token_id} revoked")


# --- call types ----------------------------------------------------------------------------


@main.group()
def calltypes() -> None:
    """Call-type labels and the sensitive list."""


@calltypes.command("check")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--agency", "slug", default=None, help="Also apply this agency's own patterns.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_lazy
def calltypes_check(lazy: _Lazy, source, slug: str | None, as_json: bool) -> None:
    """Show which call-type labels (one per line) would never get a text, and why.

    Paste the list of call types from the dispatch system to review the sensitive list before
    going live: `followup calltypes check call_types.txt`.
    """
    from followup.sensitive import match_sensitive

    extra: list[str] = []
    if slug:
        with lazy.ready.db.Session() as session:
            try:
                extra = list(agencies.get_agency(session, slug).sensitive_patterns or [])
            except agencies.AgencyError as exc:
                raise click.ClickException(str(exc)) from None
    skipped = total = 0
    for raw in source:
        label = raw.strip()
        if not label:
            continue
        total += 1
        found = match_sensitive(label, extra)
        skipped += found is not None
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "label": label,
                        "sensitive": found is not None,
                        "group": found.group if found else None,
                        "matched": found.matched if found else None,
                    }
                )
            )
        else:
            verdict = f"SKIP  {found.group:<13} ({found.matched})" if found else "text"
            click.echo(f"{verdict:<40} {label}")
    if not as_json:
        click.echo(f"{skipped} of {total} call types would never get a text.", err=True)


# --- the local outbox ----------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", default=20, show_default=True, type=int)
@click.option("--show-numbers", is_flag=True, help="Print full phone numbers (masked by default).")
@pass_lazy
def outbox(lazy: _Lazy, as_json: bool, limit: int, show_numbers: bool) -> None:
    """List the texts the local outbox gateway holds, newest first."""
    with lazy.ready.db.Session() as session:
        rows = session.scalars(
            select(Message)
            .where(Message.gateway == "outbox", Message.direction == MessageDirection.OUTBOUND)
            .order_by(Message.id.desc())
            .limit(limit)
        ).all()
    if not rows and not as_json:
        click.echo("The outbox is empty (a check-in appears here once it is due and sent).")
    for row in rows:
        to = row.phone if show_numbers else mask(row.phone)
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "id": row.id,
                        "to": to,
                        "body": row.body,
                        "status": row.status,
                        "followup_id": row.followup_id,
                        "created_at": row.created_at.isoformat(),
                    }
                )
            )
        else:
            click.echo(f"#{row.id}  {row.created_at:%Y-%m-%d %H:%M} UTC  to {to}  [{row.status}]")
            click.echo(f"    {row.body}")


# --- importing files -----------------------------------------------------------------------

# `followup import calls` ends with this code when some rows were rejected and the rest imported.
EXIT_ROWS_REJECTED = 3


@main.group("import")
def import_() -> None:
    """Import files exported by the dispatch system."""


@import_.command("calls")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file naming the column of each intake field, the date format and time zone.",
)
@click.option("--agency", "slug", default=None, help="Agency slug (default: the default agency).")
@click.option("--dry-run", is_flag=True, help="Check every row and report; change nothing.")
@click.option(
    "--rejects",
    "rejects_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the rejected rows (default: FILE.rejects.csv beside the file).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@pass_lazy
def import_calls(lazy: _Lazy, source, mapping_path, slug, dry_run, rejects_path, quiet) -> None:
    """Import closed calls from a CAD export (CSV), as if each row were posted to the API.

    Every row is validated, de-duplicated and checked for eligibility exactly as the intake API
    does; re-importing a file schedules nothing twice. Exits 3 when some rows were rejected
    (they are written, with their line number and error, to the rejects file), 1 when the
    mapping or the file cannot be used (then nothing is imported).
    """
    from followup import cad_import
    from followup.cad_mapping import MappingError, load_mapping

    services = lazy.ready
    slug = slug or services.settings.agency_slug
    try:
        csv_file = cad_import.CsvFile.open(source, load_mapping(mapping_path))
        bar = _progress_bar(
            csv_file.rows, quiet or not sys.stderr.isatty(), "dry run" if dry_run else "importing"
        )
        # The summary says what happened to every row; a log line per row would bury it.
        intake_logger = logging.getLogger("followup.intake")
        level = intake_logger.level
        intake_logger.setLevel(logging.WARNING)
        try:
            report = cad_import.import_calls(
                services.db,
                slug,
                csv_file,
                clock=services.clock,
                dry_run=dry_run,
                progress=bar.update,
            )
        finally:
            intake_logger.setLevel(level)
            bar.close()
    except MappingError as exc:
        raise click.ClickException(f"{exc}\nNothing was imported.") from None
    except cad_import.ImportStopped as exc:
        raise click.ClickException(str(exc)) from None
    rejects = None
    if report.rejected:
        rejects = rejects_path or cad_import.default_rejects_path(source)
        cad_import.write_rejects(rejects, csv_file.header, report.rejected, "utf-8-sig")
    click.echo(_import_summary(report, source, slug, rejects))
    if report.rejected:
        click.get_current_context().exit(EXIT_ROWS_REJECTED)


def _progress_bar(total: int, disable: bool, label: str):
    """A tqdm bar on stderr; a silent stand-in when disabled or tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        disable = True
    if disable:
        return _NoBar()
    return tqdm(total=total, unit=" rows", file=sys.stderr, desc=label)


class _NoBar:
    def update(self, _n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _import_summary(report, source: Path, slug: str, rejects: Path | None) -> str:
    """Counts, skip reasons and rejected lines; no phone numbers or names."""
    title = f"{'Dry run of' if report.dry_run else 'Imported'} {source.name} for agency {slug!r}"
    lines = [title]
    if report.dry_run:
        lines.append("  (dry run: nothing was changed; this is what an import would do)")
    rows = [
        ("rows read", report.rows),
        ("scheduled", report.scheduled),
        ("skipped", report.skipped_total),
        *((f"  {reason}", n) for reason, n in sorted(report.skipped.items())),
        ("duplicates (known, unchanged)", report.duplicates),
        ("updated (known, changed)", report.updated),
        ("rejected", len(report.rejected)),
    ]
    lines += [f"  {label:<32}{count:>8,}" for label, count in rows]
    shown = report.rejected[:50]
    lines += [f"    line {r.line}: {r.error}" for r in shown]
    if len(report.rejected) > len(shown):
        lines.append(f"    ... and {len(report.rejected) - len(shown):,} more in the rejects file")
    if rejects:
        lines.append(f"rejected rows (with line and error columns) written to {rejects}")
    return "\n".join(lines)


# --- retention -----------------------------------------------------------------------------


@main.command()
@click.option("--agency", "slug", default=None, help="One agency's slug (default: every agency).")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
@pass_lazy
def purge(lazy: _Lazy, slug: str | None, dry_run: bool) -> None:
    """Remove callers' numbers, names and words older than each agency's retention period.

    The rows stay (counts, ratings and categories are unchanged) and so does the opt-out list.
    The sender runs this once a day by itself; each purge is audited.
    """
    from followup.purge import PurgeError
    from followup.purge import purge as run_purge

    services = lazy.ready
    try:
        reports = run_purge(services.db, services.clock, agency_slug=slug, dry_run=dry_run,
                            actor="cli")
    except PurgeError as exc:
        raise click.ClickException(str(exc)) from None
    for report in reports:
        click.echo(str(report))
    if dry_run:
        click.echo("dry run: nothing was changed", err=True)


def _register() -> None:
    from followup import cli_replies, cli_reports, cli_users
    from followup.triage.cli import triage_command

    main.add_command(triage_command)
    main.add_command(cli_reports.reports_group)
    main.add_command(cli_users.user)
    main.add_command(cli_users.templates)
    cli_replies.register(main, agency)


_register()


if __name__ == "__main__":
    sys.exit(main())
