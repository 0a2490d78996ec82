"""The board's trend chart as geometry for a server-rendered SVG: no script, prints as drawn,
and the same figures sit in a table beside it for screen readers."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 66, 624, 16, 206  # the plot area


@dataclass
class Line:
    key: str  # a figure's name; the CSS class draws it (colour and dash)
    label: str
    segments: list[str] = field(default_factory=list)  # SVG polyline points, gaps between
    points: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, title


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    y_ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str, str]]  # x, month, year (on January and the first month)
    lines: list[Line]


def _y(value: float) -> float:
    return round(BOTTOM - value * (BOTTOM - TOP), 1)


def _years(months) -> set[int]:
    """Where a year goes under the months: January, and the first month unless January is
    right beside it (the labels would touch)."""
    januaries = {i for i, month in enumerate(months) if month.month == 1}
    return januaries | (set() if 1 in januaries else {0})


def chart(months, series: dict[str, tuple[str, list[float | None]]], words) -> Chart:
    """``series``: figure name -> (label, a share per month or None); ``words``: the board's
    ``Words`` (month names, percentages)."""
    step = (RIGHT - LEFT) / max(len(months) - 1, 1)
    xs = [round(LEFT + i * step, 1) for i in range(len(months))]
    lines = []
    for key, (label, values) in series.items():
        line = Line(key, label)
        run: list[str] = []
        for x, month, value in zip(xs, months, values, strict=True):
            if value is None:
                if len(run) > 1:
                    line.segments.append(" ".join(run))
                run = []
                continue
            y = _y(value)
            run.append(f"{x},{y}")
            line.points.append((x, y, f"{label}, {words.month(month)}: {words.percent(value)}"))
        if len(run) > 1:
            line.segments.append(" ".join(run))
        lines.append(line)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=RIGHT,
        top=TOP,
        bottom=BOTTOM,
        y_ticks=[(_y(v), words.percent(v)) for v in (0, 0.25, 0.5, 0.75, 1)],
        x_labels=[
            (x, words.short_month(month), str(month.year) if i in _years(months) else "")
            for i, (x, month) in enumerate(zip(xs, months, strict=True))
        ],
        lines=lines,
    )
