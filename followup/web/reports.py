"""Reports for command staff: figures and charts, comments, commendations, CSV, a monthly page.

Every page shows the signed-in user's own agency only. Comments are personal data: each view of
the comments or commendations and each export is recorded in the audit trail (the filters, never
a body or a search text).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import Blueprint, Response, g, render_template, request, url_for
from sqlalchemy.orm import Session

from followup.core.phones import redact_numbers
from followup.models import Agency, Role
from followup.reports.commendations import ROLE_LABELS, tally
from followup.reports.comments import (
    Comment,
    CommentFilter,
    categories_seen,
    comments,
    parse_comment_filter,
)
from followup.reports.facts import SHIFTS
from followup.reports.figures import Figures, choices, report_figures
from followup.reports.filters import (
    PAGE_SIZE,
    ReportError,
    ReportFilter,
    month_filter,
    parse_filter,
)
from followup.reports.labels import label
from followup.web.auth import record_action, roles_required
from followup.web.context import db_session, services
from followup.web.csv_export import csv_response

bp = Blueprint("reports", __name__, url_prefix="/reports")

READERS = tuple(Role)  # every role reads the reports
def _agency(session: Session) -> Agency:
    return session.get(Agency, g.user.agency_id)


def _today(agency: Agency):
    return services().clock.now().astimezone(agency.zone).date()


def _report_filter(agency: Agency) -> ReportFilter:
    return parse_filter(request.args, _today(agency))


def _refused(exc: ReportError):
    return render_template("pages/error.html", title="Report not available", message=str(exc)), 400


def _audit(action: str, detail: dict) -> None:
    record_action(action, detail=detail)
    db_session().commit()


def _csv(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    return csv_response(filename, header, rows)


def chart_data(figures: Figures) -> dict:
    """What the page's charts draw (templates/static/reports.js reads it)."""
    unresolved = figures.callbacks_opened - figures.callbacks_resolved
    return {
        "weeks": {
            "labels": [week["week"] for week in figures.weeks],
            "rating": [week["rating_mean"] for week in figures.weeks],
            "reply_rate": [
                None if week["reply_rate"] is None else round(100 * week["reply_rate"], 1)
                for week in figures.weeks
            ],
        },
        "categories": {
            "labels": [label(code) for code in figures.categories],
            "values": list(figures.categories.values()),
        },
        "sla": {
            "labels": ["Resolved within SLA", "Resolved late", "Not resolved"],
            "values": [
                figures.callbacks_within_sla,
                figures.callbacks_resolved - figures.callbacks_within_sla,
                unresolved,
            ],
        },
        "skips": {
            "labels": [label(code) for code in figures.skipped],
            "values": list(figures.skipped.values()),
        },
    }


@bp.get("")
@roles_required(*READERS)
def index():
    session = db_session()
    agency = _agency(session)
    try:
        report_filter = _report_filter(agency)
    except ReportError as exc:
        return _refused(exc)
    figures = report_figures(session, agency, report_filter)
    session.commit()  # keep the facts the page brought up to date
    return render_template(
        "pages/reports/index.html",
        agency=agency,
        report_filter=report_filter,
        figures=figures,
        charts=chart_data(figures),
        choices=choices(session, agency, report_filter),
        shifts=SHIFTS,
    )


def figure_rows(figures: Figures) -> list[tuple[str, str, object]]:
    """The figures as (figure, detail, value) rows: the CSV export and the summary page."""
    rows: list[tuple[str, str, object]] = [
        ("calls", "", figures.calls),
        ("followups_scheduled", "", figures.scheduled),
        ("followups_skipped", "", figures.skipped_total),
    ]
    rows += [("skipped_by_reason", reason, n) for reason, n in figures.skipped.items()]
    rows += [
        ("followups_cancelled", "", figures.cancelled),
        ("sent", "", figures.sent),
        ("delivered", "", figures.delivered),
        ("failed", "", figures.failed_total),
    ]
    rows += [("failed_by_error_code", code, n) for code, n in figures.failed.items()]
    rows += [
        ("replied", "", figures.replied),
        ("reply_rate", "", _round(figures.reply_rate, 4)),
        ("rating_mean", "", _round(figures.rating_mean, 2)),
        ("ratings", "", figures.ratings_count),
    ]
    rows += [("ratings_by_value", str(value), n) for value, n in figures.ratings.items()]
    rows += [("replies_by_category", category, n) for category, n in figures.categories.items()]
    rows += [
        ("callbacks_opened", "", figures.callbacks_opened),
        ("callbacks_resolved", "", figures.callbacks_resolved),
        ("callbacks_resolved_within_sla", "", figures.callbacks_within_sla),
        ("first_attempt_median_minutes", "", _round(figures.first_attempt_median_minutes, 1)),
        ("opt_outs", "", figures.opt_outs),
    ]
    return rows + triage_rows(figures) + whole_call_rows(figures)


def whole_call_rows(figures: Figures) -> list[tuple[str, str, object]]:
    """The texts across the whole call: per purpose, then confirmations and delay texts."""
    whole = figures.whole_call
    rows: list[tuple[str, str, object]] = []
    for p in whole.purposes:
        rows += [
            ("texts_sent", p.purpose, p.sent),
            ("texts_delivered", p.purpose, p.delivered),
            ("texts_failed", p.purpose, p.failed),
            ("texts_replied", p.purpose, p.replied),
            ("text_replies", p.purpose, p.replies),
        ]
    return rows + [
        ("received_calls", "", whole.received),
        ("received_calls_confirmed", "", whole.confirmed),
        ("confirmed_share", "", _round(whole.confirmed_share, 4)),
        ("dispatched_calls", "", whole.dispatched),
        ("dispatch_median_minutes", "", _round(whole.dispatch_median_minutes, 1)),
        ("calls_past_delay_threshold", "", whole.waited),
        ("calls_past_delay_threshold_texted", "", whole.waited_texted),
    ]


def triage_rows(figures: Figures) -> list[tuple[str, str, object]]:
    """Triage as commanders see it, per category triage gave."""
    rows: list[tuple[str, str, object]] = []
    for c in figures.triage.categories:
        rows += [
            ("triage_replies", c.category, c.replies),
            ("triage_confirmed", c.category, c.confirmed),
            ("triage_corrected_away", c.category, c.corrected),
            ("triage_corrected_into", c.category, c.moved_in),
            ("triage_precision_as_commanders_see_it", c.category, _round(c.precision, 4)),
        ]
    return rows + [
        ("triage_opt_outs_reversed", "", figures.triage.opt_outs_reversed),
        ("triage_opt_outs_added", "", figures.triage.opt_outs_added),
    ]


def _round(value: float | None, digits: int):
    return "" if value is None else round(value, digits)


@bp.get("/figures.csv")
@roles_required(*READERS)
def figures_csv():
    session = db_session()
    agency = _agency(session)
    try:
        report_filter = _report_filter(agency)
    except ReportError as exc:
        return _refused(exc)
    figures = report_figures(session, agency, report_filter)
    _audit("export_report_figures", report_filter.describe())
    period = f"{report_filter.start.isoformat()}_{report_filter.end.isoformat()}"
    return _csv(f"figures_{period}.csv", ["figure", "detail", "value"], figure_rows(figures))


def _comment_context(commendations: bool):
    session = db_session()
    agency = _agency(session)
    report_filter = _report_filter(agency)
    comment_filter = parse_comment_filter(request.args)
    if commendations:
        comment_filter = CommentFilter(commendations=True)
    return session, agency, report_filter, comment_filter


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _comment_detail(report_filter, comment_filter: CommentFilter) -> dict:
    detail = dict(report_filter.describe())
    if comment_filter.category:
        detail["category"] = comment_filter.category
    if comment_filter.rating is not None:
        detail["rating"] = comment_filter.rating
    if comment_filter.text:
        detail["searched"] = True  # what was searched for stays out: it may be personal
    return detail


@bp.get("/comments")
@roles_required(*READERS)
def comments_page():
    return _comments_view(commendations=False)


@bp.get("/commendations")
@roles_required(*READERS)
def commendations_page():
    return _comments_view(commendations=True)


def _comments_view(commendations: bool):
    try:
        session, agency, report_filter, comment_filter = _comment_context(commendations)
    except ReportError as exc:
        return _refused(exc)
    page = _page()
    rows, total = comments(session, agency, report_filter, comment_filter, page=page)
    detail = _comment_detail(report_filter, comment_filter) | {"page": page}
    _audit("view_report_commendations" if commendations else "view_report_comments", detail)
    args = report_filter.as_args() | {
        key: request.args[key] for key in ("q", "category", "rating") if request.args.get(key)
    }
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "pages/reports/comments.html",
        agency=agency,
        commendations=commendations,
        tally=tally(session, agency, report_filter) if commendations else {},
        role_labels=ROLE_LABELS,
        report_filter=report_filter,
        comment_filter=comment_filter,
        comments=[_shown(comment, agency) for comment in rows],
        total=total,
        page=page,
        pages=pages,
        args=args,
        categories=categories_seen(),
        choices=choices(session, agency, report_filter),
        shifts=SHIFTS,
    )


def _shown(comment: Comment, agency: Agency) -> dict:
    return {
        "received": comment.received_at.astimezone(agency.zone),
        "body": redact_numbers(comment.body, agency.default_region),
        "category": comment.category or "",
        "rating": comment.rating,
        "commendation": comment.commendation or "",
        "call_type": comment.call_type,
        "district": comment.district or "",
        "closed": comment.closed_at.astimezone(agency.zone).date(),
    }


@bp.get("/comments.csv")
@roles_required(*READERS)
def comments_csv():
    return _comments_export(commendations=False)


@bp.get("/commendations.csv")
@roles_required(*READERS)
def commendations_csv():
    return _comments_export(commendations=True)


def _comments_export(commendations: bool):
    try:
        session, agency, report_filter, comment_filter = _comment_context(commendations)
    except ReportError as exc:
        return _refused(exc)
    rows, total = comments(session, agency, report_filter, comment_filter, per_page=0)
    name = "commendations" if commendations else "comments"
    _audit(
        f"export_report_{name}", _comment_detail(report_filter, comment_filter) | {"rows": total}
    )
    header = ["received", "call_closed", "call_type", "district", "category", "rating"]
    header += ["named", "comment"]
    shown = (_shown(comment, agency) for comment in rows)
    return _csv(
        f"{name}_{report_filter.start.isoformat()}_{report_filter.end.isoformat()}.csv",
        header,
        (
            [
                c["received"].strftime("%Y-%m-%d %H:%M %Z"),  # local, with its zone
                c["closed"].isoformat(),
                c["call_type"],
                c["district"],
                c["category"],
                c["rating"] if c["rating"] is not None else "",
                c["commendation"],
                c["body"],
            ]
            for c in shown
        ),
    )


@bp.get("/summary")
@roles_required(*READERS)
def summary():
    """A printable one-page summary of a calendar month (the last full month by default)."""
    session = db_session()
    agency = _agency(session)
    today = _today(agency)
    default = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    month = request.args.get("month") or default
    try:
        report_filter = month_filter(month)
    except ReportError as exc:
        return _refused(exc)
    figures = report_figures(session, agency, report_filter)
    commendations, commended = comments(
        session, agency, report_filter, CommentFilter(commendations=True), per_page=10
    )
    _audit("view_report_summary", {"month": month})
    return render_template(
        "pages/reports/summary.html",
        agency=agency,
        month=month,
        report_filter=report_filter,
        figures=figures,
        commendations=[_shown(c, agency) for c in commendations],
        commended=commended,
        back=url_for(".index", **report_filter.as_args()),
    )
