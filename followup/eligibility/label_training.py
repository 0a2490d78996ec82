"""Train the call-type model (`followup calltypes train`): fit on the labelled corpora, choose
its bar by leaving one agency corpus out at a time, save `label_model.json.gz`.

The corpora are real call-type labels copied from agencies' published data, each labelled
sensitive or ordinary by people who did not see the list (`tests/data/cad_call_types*.tsv`,
`tests/data/calltypes/*.tsv`). A new corpus is scored first (`followup calltypes check`), its
first-contact figure logged in docs/triage.md, and only then added here.

The bar: the model may only add skips, so what it costs is ordinary calls skipped. For each bar
from 0.50 up, each corpus in `calltypes/` is held out in turn, the model fitted on the rest, and
the share of the held-out corpus's ordinary labels the model adds to the list's skips counted;
the lowest bar whose average stays at or under one point is kept. Needs scikit-learn
(`pip install -e '.[train]'`).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from followup.eligibility.label_model import ANALYZERS, MODEL_PATH, bare_code, encode
from followup.eligibility.sensitive import match_builtin_list, model_may_read, normalise

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
FOLDS = "calltypes"  # the corpora held out in turn to choose the bar
C = 4.0
ADDED_FALSE_SKIPS = 0.01
BARS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))

Rows = list[tuple[str, int]]


def corpora(data: Path = DATA) -> dict[str, Rows]:
    """Every labelled corpus, by its path under ``data``."""
    found = {}
    for path in sorted(data.glob("cad_call_types*.tsv")) + sorted((data / FOLDS).glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [
                (row["label"], int(row["sensitive"]))
                for row in csv.DictReader(handle, delimiter="\t")
                if row.get("label") and row.get("sensitive") in ("0", "1")
            ]
        found[str(path.relative_to(data))] = rows
    return found


def fit(rows: Rows):
    """Fit on ``rows`` (bare codes left out); return (vectorisers, classifier)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [row for row in rows if not bare_code(normalise(row[0]))]
    texts = [normalise(label) for label, _ in rows]
    vectorisers = {
        name: TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, lowercase=False)
        for name, analyzer in ANALYZERS.items()
    }
    matrices = [vectoriser.fit_transform(texts) for vectoriser in vectorisers.values()]
    from scipy.sparse import hstack

    classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
    classifier.fit(hstack(matrices).tocsr(), [sensitive for _, sensitive in rows])
    return vectorisers, classifier


def probabilities(fitted, labels: Sequence[str]) -> list[float]:
    from scipy.sparse import hstack

    vectorisers, classifier = fitted
    texts = [normalise(label) for label in labels]
    features = hstack([v.transform(texts) for v in vectorisers.values()]).tocsr()
    return [float(p) for p in classifier.predict_proba(features)[:, 1]]


def held_out(found: dict[str, Rows], report: Callable[[str], None]) -> dict[str, dict]:
    """For each corpus in `calltypes/`: fit on the others, score it, list alone and with the
    model at every bar."""
    figures = {}
    for name in [n for n in found if n.startswith(f"{FOLDS}/")]:
        rest = [row for other, rows in found.items() if other != name for row in rows]
        test = found[name]
        chances = [
            p if model_may_read(normalise(label)) else 0.0
            for p, (label, _) in zip(
                probabilities(fit(rest), [label for label, _ in test]), test, strict=True
            )
        ]
        listed = [match_builtin_list(label) is not None for label, _ in test]
        sensitive = sum(s for _, s in test)
        ordinary = len(test) - sensitive
        by_bar = {}
        for bar in BARS:
            skipped = [a or p >= bar for a, p in zip(listed, chances, strict=True)]
            by_bar[str(bar)] = {
                "recall": sum(k for k, (_, s) in zip(skipped, test, strict=True) if s) / sensitive,
                "false_skips": sum(k for k, (_, s) in zip(skipped, test, strict=True) if not s)
                / ordinary,
            }
        list_recall = sum(a for a, (_, s) in zip(listed, test, strict=True) if s) / sensitive
        list_false = sum(a for a, (_, s) in zip(listed, test, strict=True) if not s) / ordinary
        figures[name] = {"list": {"recall": list_recall, "false_skips": list_false}, **by_bar}
        report(f"held out {name}: list alone {list_recall:.3f} / {list_false:.2%}")
    return figures


def choose_bar(figures: dict[str, dict]) -> float:
    for bar in BARS:
        added = [f[str(bar)]["false_skips"] - f["list"]["false_skips"] for f in figures.values()]
        if sum(added) / len(added) <= ADDED_FALSE_SKIPS:
            return bar
    return BARS[-1]


def train(
    output: Path = MODEL_PATH,
    *,
    data: Path = DATA,
    trained_on: str,
    report: Callable[[str], None] = lambda line: None,
) -> dict:
    """Choose the bar, fit on every corpus, save to ``output``; return what was saved's meta."""
    found = corpora(data)
    rows = [row for corpus in found.values() for row in corpus]
    if not rows:
        raise ValueError(f"no labelled call types under {data}")
    report(f"{len(rows)} labels in {len(found)} corpora; the bar: one corpus out at a time")
    figures = held_out(found, report)
    if not figures:
        raise ValueError(f"no corpus under {data / FOLDS} to hold out when choosing the bar")
    bar = choose_bar(figures)
    report(f"bar {bar}; fitting on all {len(rows)} labels")
    vectorisers, classifier = fit(rows)
    weights = iter(float(w) for w in classifier.coef_[0])
    blocks = {}
    for name, vectoriser in vectorisers.items():
        by_index = sorted(vectoriser.vocabulary_.items(), key=lambda kv: kv[1])
        blocks[name] = {
            feature: [round(float(vectoriser.idf_[i]), 4), round(next(weights), 4)]
            for feature, i in by_index
        }
    digest = hashlib.sha256(repr(sorted(rows)).encode("utf-8")).hexdigest()
    saved = {
        "meta": {
            "trained_on": trained_on,
            "training_data": {"corpora": list(found), "labels": len(rows), "sha256": digest},
            "settings": {"C": C, "added_false_skips": ADDED_FALSE_SKIPS},
            "held_out": {
                name: {"list": f["list"], "model": f[str(bar)]} for name, f in figures.items()
            },
        },
        "threshold": bar,
        "intercept": round(float(classifier.intercept_[0]), 4),
        "blocks": blocks,
    }
    output.write_bytes(encode(saved))
    return saved["meta"] | {"threshold": bar}
