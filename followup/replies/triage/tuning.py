"""Measure a triage model on labelled replies, and choose its thresholds on validation sets.

The figures are the ones the issue tracker and ``docs/triage.md`` quote: crisis (urgent) recall
in English, Spanish and other languages, false urgents as a share of all replies, callback
recall and precision, opt-out recall and precision (acted on; the model's suggestions are
counted apart), and category accuracy in English and Spanish and in other languages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from followup.replies.triage.model import Model, Prediction

# What the thresholds aim for on the validation sets, in this order of priority.
FALSE_URGENT_BUDGET = 0.02  # at most this share of replies raised to urgent wrongly
GRID = {
    "crisis": [round(0.2 + 0.05 * i, 2) for i in range(13)],
    "category": [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
    "category_other": [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
    "raise": [0.5, 0.6, 0.7, 0.8, 0.9, 1.01],
    "opt_out": [0.5, 0.6, 0.7, 0.8, 0.9, 1.01],
}


class Remembering:
    """A model that remembers its predictions, so a threshold search reads each reply once."""

    def __init__(self, model: Model):
        self.model = model
        self.latin = model.latin  # the candidate's own language identifier
        self.thresholds = dict(model.thresholds)
        self._seen: dict[str, Prediction] = {}

    def predict(self, text: str) -> Prediction:
        found = self._seen.get(text)
        if found is None:
            found = self._seen[text] = self.model.predict(text)
        return found


def figures(rows: Sequence[dict], classify: Callable) -> dict:
    """The headline figures of ``classify`` (text, language hint -> TriageResult) on ``rows``."""
    c: Counter = Counter()
    for row in rows:
        got = classify(row["text"], row.get("hint"))
        group = row["lang"] if row.get("lang") in ("en", "es") else "other"
        if row["urgent"]:
            c[f"crisis_{group}"] += 1
            c[f"crisis_{group}_hit"] += got.urgent
        c["false_urgent"] += got.urgent and not row["urgent"]
        c["callback"] += bool(row["flag"])
        c["callback_hit"] += bool(row["flag"]) and got.callback
        c["callback_said"] += got.callback
        c["opt_out"] += bool(row["opt_out"])
        c["opt_out_hit"] += bool(row["opt_out"]) and got.opt_out
        c["opt_out_said"] += got.opt_out
        c["suggested"] += got.suggested_opt_out
        c["suggested_right"] += got.suggested_opt_out and bool(row["opt_out"])
        side = "en_es" if group != "other" else "other"
        c[f"rows_{side}"] += 1
        c[f"right_{side}"] += str(got.category) == row["cat"]
    share = lambda hits, total: round(c[hits] / c[total], 4) if c[total] else None  # noqa: E731
    return {
        "rows": len(rows),
        "crisis_recall_en": share("crisis_en_hit", "crisis_en"),
        "crisis_recall_es": share("crisis_es_hit", "crisis_es"),
        "crisis_recall_other": share("crisis_other_hit", "crisis_other"),
        "crisis": {g: f"{c[f'crisis_{g}_hit']}/{c[f'crisis_{g}']}" for g in ("en", "es", "other")},
        "false_urgent_share": round(c["false_urgent"] / len(rows), 4) if rows else None,
        "callback_recall": share("callback_hit", "callback"),
        "callback_precision": share("callback_hit", "callback_said"),
        "opt_out_recall": share("opt_out_hit", "opt_out"),
        "opt_out_precision": share("opt_out_hit", "opt_out_said"),
        "opt_out_suggested": f"{c['suggested_right']}/{c['suggested']} right",
        "accuracy_en_es": share("right_en_es", "rows_en_es"),
        "accuracy_other": share("right_other", "rows_other"),
    }


def classifier(model) -> Callable:
    from followup.replies.triage import triage

    return lambda text, hint=None: triage(text, language_hint=hint, model=model)


def choose_thresholds(model: Model, rows: Sequence[dict]) -> dict:
    """Thresholds for ``model``, chosen on validation ``rows`` one after another:

    1. crisis: the lowest (most recall) that keeps false urgents within the budget;
    2. category, category_other, raise: the most accurate (ties: the higher, more cautious);
    3. opt_out suggestion: the lowest at which at least half of the suggestions are right.
    """
    remembering = Remembering(model)
    limits = remembering.thresholds
    classify = classifier(remembering)
    for value in sorted(GRID["crisis"]):
        limits["crisis"] = value
        if figures(rows, classify)["false_urgent_share"] <= FALSE_URGENT_BUDGET:
            break
    for name, measure in (
        ("category", "accuracy_en_es"),
        ("category_other", "accuracy_other"),
        ("raise", "accuracy_en_es"),
    ):
        limits[name] = _best(limits, name, rows, classify, measure)
    for value in sorted(GRID["opt_out"]):
        limits["opt_out"] = value
        right, said = _suggestions(figures(rows, classify))
        if said == 0 or right / said >= 0.5:
            break
    return dict(limits)


def _best(limits: dict, name: str, rows, classify, measure: str) -> float:
    best, best_score = limits[name], -1.0
    for value in GRID[name]:
        limits[name] = value
        found = figures(rows, classify)[measure] or 0
        if found >= best_score:  # ties go to the higher threshold
            best, best_score = value, found
    return best


def _suggestions(found: dict) -> tuple[int, int]:
    right, said = found["opt_out_suggested"].split(" ")[0].split("/")
    return int(right), int(said)


def read_sets(paths: Iterable) -> list[dict]:
    import json

    rows: list[dict] = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle if line.strip()]
    return rows
