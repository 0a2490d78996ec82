"""Reports that read the figures against something: peers (other agencies that share) and
who did not answer (non-response by group, and satisfaction weighted for it).

Aggregates only, like the figures page: not audited; every role that reads reports may open
them. Both bring the report facts up to date first, as the figures page does.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from followup.reports import facts, nonresponse, peers
from followup.reports.facts import SHIFTS
from followup.reports.figures import choices
from followup.reports.filters import ReportError
from followup.web.auth import roles_required
from followup.web.context import db_session
from followup.web.reports import READERS, _agency, _refused, _report_filter

bp = Blueprint("analysis", __name__, url_prefix="/reports")


def _context():
    session = db_session()
    agency = _agency(session)
    report_filter = _report_filter(agency)
    uncounted = facts.catch_up(session)
    session.commit()  # keep the facts brought up to date
    return session, agency, report_filter, uncounted


@bp.get("/peers")
@roles_required(*READERS)
def peers_page():
    try:
        session, agency, report_filter, uncounted = _context()
    except ReportError as exc:
        return _refused(exc)
    comparison = peers.compare(session, agency, report_filter.start, report_filter.end)
    return render_template(
        "pages/reports/peers.html",
        agency=agency,
        report_filter=report_filter,
        comparison=comparison,
        metrics=peers.METRICS,
        minimum_peers=peers.MIN_PEERS,
        uncounted=uncounted,
    )


@bp.get("/nonresponse")
@roles_required(*READERS)
def nonresponse_page():
    try:
        session, agency, report_filter, uncounted = _context()
    except ReportError as exc:
        return _refused(exc)
    found = nonresponse.nonresponse(session, agency, report_filter)
    return render_template(
        "pages/reports/nonresponse.html",
        agency=agency,
        report_filter=report_filter,
        found=found,
        dimensions=nonresponse.DIMENSIONS,
        minimum=nonresponse.MIN_RATED,
        choices=choices(session, agency, report_filter),
        shifts=SHIFTS,
        uncounted=uncounted,
    )
