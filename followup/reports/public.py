"""The public feedback board: what residents said, month by month, with small cells suppressed.

Figures (calls closed in the last twelve months, this month so far included; agency time):

- reply rate: check-ins sent that got a reply, of check-ins sent;
- mean rating (1-5) of the replies that gave one;
- share satisfied: ratings of 4 or 5, of the replies that gave a rating;
- callbacks resolved within their SLA, of callbacks opened.

**Small cells.** No figure is shown from fewer than ``MIN_REPLIES`` replies, for a month, for the
year and under every filter (district, shift): a month with 9 replies shows "too few replies".
A figure's own base must reach the same bound (10 rated replies for the mean rating and the
share satisfied, 10 callbacks for the SLA figure). So that no hidden month can be recovered by
subtracting the months shown from the year, the months hiding a figure must together hold at
least 10 (or none): else the smallest months shown are hidden too. A district or shift is
offered as a filter only with enough replies, and never when what the offered ones leave over
would be a small cell.
Rates are published rounded, without their denominators.

The board reads the report facts as they are (the sender's job counts changes every minute);
it never counts them itself, so a visitor never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from followup.models import FollowUpStatus, ReportFact, ReviewKind
from followup.reports.facts import EPOCH, SHIFTS, day_number
from followup.reports.moderation import BoardComment, board_comments

MIN_REPLIES = 10
MONTHS = 12
FIGURES = ("replies", "reply_rate", "rating_mean", "satisfied_share", "sla_share")
FILTERS = ("district", "shift")


def months_of(today: date) -> list[date]:
    """The first days of the board's twelve months, oldest first, ending with today's month."""
    first = today.replace(day=1)
    months = [first]
    for _ in range(MONTHS - 1):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return months[::-1]


def month_of(day: int) -> date:
    return (EPOCH + timedelta(days=day)).replace(day=1)


@dataclass
class Cell:
    """Counts behind one column of the board (a month, or the year)."""

    sent: int = 0
    replied: int = 0
    ratings: list[int] = field(default_factory=lambda: [0] * 5)  # how many gave 1..5
    callbacks: int = 0
    in_sla: int = 0

    def add(self, other: Cell) -> None:
        self.sent += other.sent
        self.replied += other.replied
        self.ratings = [a + b for a, b in zip(self.ratings, other.ratings, strict=True)]
        self.callbacks += other.callbacks
        self.in_sla += other.in_sla

    @property
    def rated(self) -> int:
        return sum(self.ratings)

    def base(self, figure: str) -> int:
        """How many replies (or rated replies, or callbacks) a figure is computed from."""
        if figure in ("rating_mean", "satisfied_share"):
            return self.rated
        if figure == "sla_share":
            return self.callbacks
        return self.replied

    def value(self, figure: str) -> float | int | None:
        """The figure, rounded as published, or None when its cell is too small."""
        if self.replied < MIN_REPLIES or self.base(figure) < MIN_REPLIES:
            return None
        if figure == "replies":
            return self.replied
        if figure == "reply_rate":
            return round(self.replied / self.sent, 2) if self.sent else None
        if figure == "rating_mean":
            total = sum(n * rating for rating, n in enumerate(self.ratings, start=1))
            return round(total / self.rated, 1)
        if figure == "satisfied_share":
            return round((self.ratings[3] + self.ratings[4]) / self.rated, 2)
        return round(self.in_sla / self.callbacks, 2)


@dataclass(frozen=True)
class Month:
    first_day: date
    partial: bool  # the current month: so far
    figures: dict[str, float | int | None]  # None: too few replies


@dataclass(frozen=True)
class Board:
    """Everything a board page, its embed and its open data show: no personal data, no count
    below the bound."""

    agency_name: str
    slug: str
    start: date
    end: date
    district: str | None
    shift: str | None
    months: list[Month]
    year: dict[str, float | int | None]
    choices: dict[str, list[str]]  # filters offered: "district", "shift"
    comments: list[BoardComment]
    commendations: list[BoardComment]
    computed_at: datetime

    @property
    def filtered(self) -> bool:
        return bool(self.district or self.shift)


def _cells(session: Session, agency_id: int, start: date, end: date, conditions) -> dict:
    fact = ReportFact
    sent = fact.status == str(FollowUpStatus.SENT)
    rows = session.execute(
        select(
            fact.day,
            func.sum(case((sent, 1), else_=0)),
            func.sum(case((sent, fact.replied), else_=0)),
            *(func.sum(case((fact.rating == r, 1), else_=0)) for r in range(1, 6)),
            func.sum(fact.callback),
            func.sum(fact.callback_in_sla),
        )
        .where(
            fact.agency_id == agency_id,
            fact.day >= day_number(start),
            fact.day <= day_number(end),
            *conditions,
        )
        .group_by(fact.day)
    ).all()
    cells: dict[date, Cell] = {}
    for day, n_sent, replied, *rest in rows:
        *ratings, callbacks, in_sla = (int(v or 0) for v in rest)
        cell = Cell(int(n_sent or 0), int(replied or 0), ratings, callbacks, in_sla)
        cells.setdefault(month_of(day), Cell()).add(cell)
    return cells


def suppress(columns: list[dict], year: dict, cells: list[Cell]) -> None:
    """Complementary suppression (in place): where the year shows a figure, the months hiding
    it must together hold at least ``MIN_REPLIES`` (or none), else subtracting the months
    shown from the year would reveal a small cell; the smallest months shown are hidden until
    they do."""
    for figure in FIGURES:
        if year.get(figure) is None:
            continue
        hidden = sum(
            cell.base(figure) for cell, column in zip(cells, columns, strict=True)
            if column[figure] is None
        )
        shown = sorted(
            (i for i, column in enumerate(columns) if column[figure] is not None),
            key=lambda i: cells[i].base(figure),
        )
        while 0 < hidden < MIN_REPLIES and shown:
            smallest = shown.pop(0)
            columns[smallest][figure] = None
            hidden += cells[smallest].base(figure)


def offered(replies: dict[str | None, int]) -> list[str]:
    """Filter values with enough replies; the smallest is left out too when the rest (values
    not offered, calls without one) would be a small cell that subtraction reveals."""
    values = sorted(
        (v for v, n in replies.items() if v is not None and n >= MIN_REPLIES),
        key=lambda v: (replies[v], v),
    )
    rest = sum(replies.values()) - sum(replies[v] for v in values)
    if 0 < rest < MIN_REPLIES and values:
        values = values[1:]
    return sorted(values)


def choices(session: Session, agency_id: int, start: date, end: date) -> dict[str, list[str]]:
    found = {}
    for name in FILTERS:
        column = getattr(ReportFact, name)
        counts = dict(
            session.execute(
                select(column, func.sum(ReportFact.replied))
                .where(
                    ReportFact.agency_id == agency_id,
                    ReportFact.day >= day_number(start),
                    ReportFact.day <= day_number(end),
                    ReportFact.status == str(FollowUpStatus.SENT),
                )
                .group_by(column)
            ).all()
        )
        values = offered({k: int(v or 0) for k, v in counts.items()})
        found[name] = [s for s in SHIFTS if s in values] if name == "shift" else values
    return found


# Long because it assembles every part of the board from its queries, in the page's order.
def build(
    session: Session,
    agency,
    *,
    today: date,
    now: datetime,
    district: str | None = None,
    shift: str | None = None,
) -> Board:
    """The board for ``agency`` (a row with ``id``, ``name``, ``slug``) as of ``today``
    (agency time). A filter value not offered is treated as no filter."""
    months = months_of(today)
    start, end = months[0], today
    offered_now = choices(session, agency.id, start, end)
    district = district if district in offered_now["district"] else None
    shift = shift if shift in offered_now["shift"] else None
    conditions = []
    if district:
        conditions.append(ReportFact.district == district)
    if shift:
        conditions.append(ReportFact.shift == shift)
    found = _cells(session, agency.id, start, end, conditions)
    cells = [found.get(month, Cell()) for month in months]
    total = Cell()
    for cell in cells:
        total.add(cell)
    year = {figure: total.value(figure) for figure in FIGURES}
    columns = [{figure: cell.value(figure) for figure in FIGURES} for cell in cells]
    suppress(columns, year, cells)
    def published(kind: ReviewKind, limit: int) -> list[BoardComment]:
        if district or shift:  # comments carry no district or shift: the whole agency only
            return []
        return board_comments(
            session, agency.id, since_day=day_number(start), kind=kind, limit=limit
        )

    return Board(
        agency_name=agency.name,
        slug=agency.slug,
        start=start,
        end=end,
        district=district,
        shift=shift,
        months=[
            Month(month, month == months[-1], column)
            for month, column in zip(months, columns, strict=True)
        ],
        year=year,
        choices=offered_now,
        comments=published(ReviewKind.COMMENT, 20),
        commendations=published(ReviewKind.COMMENDATION, 10),
        computed_at=now,
    )


def figure_rows(board: Board) -> list[dict]:
    """The board as open-data rows: one per period and figure (None: too few replies)."""
    rows = [
        {"period": "year", "figure": figure, "value": board.year[figure]} for figure in FIGURES
    ]
    for month in board.months:
        period = month.first_day.strftime("%Y-%m")
        rows += [
            {"period": period, "figure": figure, "value": month.figures[figure]}
            for figure in FIGURES
        ]
    return rows


def as_json(board: Board) -> dict:
    """The board as open data (JSON): the same figures as the page, and the comments."""
    return {
        "agency": board.agency_name,
        "period": {"from": board.start.isoformat(), "to": board.end.isoformat()},
        "filter": {"district": board.district, "shift": board.shift},
        "minimum_replies": MIN_REPLIES,
        "definitions": {
            "replies": "check-ins that got at least one reply",
            "reply_rate": "check-ins with a reply / check-ins sent",
            "rating_mean": "mean rating (1-5) of the replies that gave one",
            "satisfied_share": "ratings of 4 or 5 / replies that gave a rating",
            "sla_share": "callbacks resolved within their SLA / callbacks opened",
        },
        "year": board.year,
        "months": [
            {"month": m.first_day.strftime("%Y-%m"), "partial": m.partial, **m.figures}
            for m in board.months
        ],
        "filters_offered": board.choices,
        "comments": [
            {
                "month": month_of(c.day).strftime("%Y-%m"),
                "kind": c.kind,
                "rating": c.rating,
                "language": c.language,
                "text": c.text,
            }
            for c in board.comments + board.commendations
        ],
        "computed_at": board.computed_at.isoformat(),
    }
