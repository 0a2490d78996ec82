"""The public feedback board: open to anyone, no sign-in, no cookies, nothing from elsewhere.

``/public/<slug>`` (the page), ``/public/<slug>/embed`` (the same without navigation, for an
iframe on the agency's own site), ``/public/<slug>/figures.csv`` and ``.json`` (open data).
Only for an agency that switched it on (``agencies.public_board``); any other slug is a 404.

Each request reads one row (the agency by slug, with its stamps: ``reports.board_cache``);
the board and each rendered page are kept per process until a stamp or the day changes. The
answers may be cached by browsers and proxies for a minute (they hold nothing personal).
"""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request

from followup.reports import board_chart, public
from followup.reports.board_cache import BoardCache, PublicAgency, lookup
from followup.reports.board_text import Words, languages_for
from followup.reports.facts import SHIFTS, day_number
from followup.web import csp
from followup.web.context import db_session, services

bp = Blueprint("public", __name__, url_prefix="/public")

MAX_AGE = 60  # seconds browsers and proxies may keep an answer


def init_app(app: Flask) -> None:
    app.extensions["public_board_cache"] = BoardCache()


def _cache() -> BoardCache:
    return current_app.extensions["public_board_cache"]


@bp.after_request
def _public_headers(response: Response) -> Response:
    # Nothing personal is on these answers: shared caches may keep a good one for a minute.
    # (The app's own hook leaves Cache-Control to this blueprint.)
    if response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    else:
        response.headers["Cache-Control"] = "no-store"
    return response


def _agency(slug: str) -> PublicAgency:
    # One read outside any transaction: on SQLite a transaction would take the write lock.
    engine = services().db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        agency = lookup(connection, slug[:64])
    if agency is None or not agency.public_board:
        abort(404)
    return agency


def _board(agency: PublicAgency) -> public.Board:
    """The board under the request's filters: only values the unfiltered board offers are
    used (so odd query strings cannot fill the cache or cost a query)."""
    today = services().clock.now().astimezone(agency.zone).date()

    def build(district=None, shift=None):
        def compute():
            session = db_session()
            try:
                return public.build(
                    session, agency, today=today, now=services().clock.now(),
                    district=district, shift=shift,
                )
            finally:
                session.rollback()

        return _cache().get(("board", agency, today, district, shift), compute)

    whole = build()
    district = request.args.get("district") or None
    shift = request.args.get("shift") or None
    district = district if district in whole.choices["district"] else None
    shift = shift if shift in whole.choices["shift"] else None
    return build(district, shift) if (district or shift) else whole


def _language(agency: PublicAgency) -> tuple[str, list[str]]:
    offered = languages_for(agency.default_language, list(agency.languages))
    wanted = (request.args.get("lang") or "").lower()
    return (wanted if wanted in offered else offered[0]), offered


def _page(agency: PublicAgency, template: str) -> str:
    board = _board(agency)
    language, offered = _language(agency)
    key = ("page", template, agency, board.end, board.district, board.shift, language)
    return _cache().get(key, lambda: _render(agency, board, template, language, offered))


def _render(agency, board, template, language, offered) -> str:
    words = Words(language)
    months = [m.first_day for m in board.months]
    chart = board_chart.chart(
        months,
        {
            name: (words(name), [m.figures[name] for m in board.months])
            for name in ("satisfied_share", "reply_rate")
        },
        words,
    )
    args = {"district": board.district, "shift": board.shift}
    return render_template(
        template,
        agency=agency,
        board=board,
        t=words,
        language=language,
        languages=[(code, Words(code)("language_name")) for code in offered],
        chart=chart,
        shifts=list(SHIFTS),
        args={k: v for k, v in args.items() if v},
        headline=("reply_rate", "rating_mean", "satisfied_share", "sla_share"),
        figures=public.FIGURES,
        minimum=public.MIN_REPLIES,
        month_of=lambda day: public.month_of(day),
        since_day=day_number(board.start),
    )


@bp.get("/<slug>")
def board(slug: str):
    return _page(_agency(slug), "pages/public/board.html")


@bp.get("/<slug>/embed")
def embed(slug: str):
    agency = _agency(slug)
    response = Response(_page(agency, "pages/public/embed.html"), mimetype="text/html")
    # The one page another site may frame: the agency's own sites, named in its settings.
    ancestors = " ".join(("'self'", *agency.embed_origins))
    response.headers["Content-Security-Policy"] = csp(frame_ancestors=ancestors)
    return response


def _open_data(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@bp.get("/<slug>/figures.json")
def figures_json(slug: str):
    agency = _agency(slug)
    board = _board(agency)
    body = _cache().get(
        ("json", agency, board.end, board.district, board.shift),
        lambda: json.dumps(public.as_json(board), ensure_ascii=False),
    )
    return _open_data(Response(body, mimetype="application/json"))


@bp.get("/<slug>/figures.csv")
def figures_csv(slug: str):
    agency = _agency(slug)
    board = _board(agency)

    def write() -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["period", "figure", "value", "note", "district", "shift"])
        for row in public.figure_rows(board):
            missing = row["value"] is None
            writer.writerow([
                row["period"], row["figure"], "" if missing else row["value"],
                "too few replies" if missing else "", board.district or "", board.shift or "",
            ])
        return buffer.getvalue()

    body = _cache().get(("csv", agency, board.end, board.district, board.shift), write)
    name = f"{agency.slug}-feedback-{board.end.isoformat()}.csv"
    return _open_data(
        Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )
    )
