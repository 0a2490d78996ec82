"""Measure triage against labelled replies: per-category precision and recall, a confusion
matrix, and the callback, urgent and opt-out figures."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from followup.replies.triage import Category, triage


@dataclass(frozen=True)
class Rate:
    hits: int
    total: int

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.value:6.1%} ({self.hits}/{self.total})"


@dataclass
class Evaluation:
    rows: int = 0
    confusion: Counter = field(default_factory=Counter)  # (expected, got) -> count
    flags: dict[str, Counter] = field(default_factory=dict)  # name -> tp/fp/fn/tn
    misses: list[dict] = field(default_factory=list)

    def recall(self, category: str) -> Rate:
        total = sum(n for (want, _), n in self.confusion.items() if want == category)
        return Rate(self.confusion[(category, category)], total)

    def precision(self, category: str) -> Rate:
        total = sum(n for (_, got), n in self.confusion.items() if got == category)
        return Rate(self.confusion[(category, category)], total)

    def accuracy(self) -> Rate:
        return Rate(sum(n for (want, got), n in self.confusion.items() if want == got), self.rows)

    def flag_recall(self, name: str) -> Rate:
        c = self.flags.get(name, Counter())
        return Rate(c["tp"], c["tp"] + c["fn"])

    def flag_precision(self, name: str) -> Rate:
        c = self.flags.get(name, Counter())
        return Rate(c["tp"], c["tp"] + c["fp"])


FLAGS = (("callback", "flag"), ("urgent", "urgent"), ("opt_out", "opt_out"))


def evaluate(rows: Iterable[dict], classify=None) -> Evaluation:
    """Run ``classify`` (default: triage) over labelled rows and count agreements."""
    classify = classify or (lambda row: triage(row["text"], language_hint=row.get("hint")))
    result = Evaluation()
    for row in rows:
        got = classify(row)
        result.rows += 1
        result.confusion[(row["cat"], str(got.category))] += 1
        for attr, label in FLAGS:
            if label not in row:
                continue
            want, have = bool(row[label]), bool(getattr(got, attr))
            key = ("t" if want == have else "f") + ("p" if have else "n")
            result.flags.setdefault(attr, Counter())[key] += 1
        if row["cat"] != str(got.category):
            result.misses.append(
                {
                    "text": row["text"],
                    "want": row["cat"],
                    "got": str(got.category),
                    "reasons": list(got.reasons),
                }
            )
    return result


def load_jsonl(lines: Iterable[str]) -> list[dict]:
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"line {number}: not JSON ({exc})") from None
        if not isinstance(row, dict) or "text" not in row or "cat" not in row:
            raise ValueError(f"line {number}: needs at least 'text' and 'cat'")
        if row["cat"] not in {c.value for c in Category}:
            raise ValueError(f"line {number}: unknown category {row['cat']!r}")
        rows.append(row)
    return rows


def report(evaluation: Evaluation) -> str:
    """Return the evaluation as text: per category, the confusion matrix, then the flags."""
    categories = [c.value for c in Category]
    lines = [f"{evaluation.rows} replies; accuracy {evaluation.accuracy()}", ""]
    lines.append(f"{'category':<13} {'precision':>20} {'recall':>20}")
    for name in categories:
        if evaluation.recall(name).total or evaluation.precision(name).total:
            lines.append(
                f"{name:<13} {evaluation.precision(name)!s:>20} {evaluation.recall(name)!s:>20}"
            )
    short = [c[:6] for c in categories]
    lines += [
        "",
        "confusion (rows: labelled, columns: triage)",
        " " * 13 + " ".join(f"{s:>6}" for s in short),
    ]
    for want in categories:
        counts = [evaluation.confusion[(want, got)] for got in categories]
        if sum(counts):
            lines.append(f"{want:<13}" + " ".join(f"{n or '.':>6}" for n in counts))
    lines.append("")
    for attr, _ in FLAGS:
        if attr in evaluation.flags:
            lines.append(
                f"{attr:<9} recall {evaluation.flag_recall(attr)!s:>18}"
                f"   precision {evaluation.flag_precision(attr)!s:>18}"
            )
    return "\n".join(lines)
