"""Train the triage model from labelled replies kept in the repository (`followup triage train`).

scikit-learn fits the vectorisers and the logistic regressions here (only here: it is a training
dependency, `pip install followup[train]`); what is saved is plain JSON that
``followup.replies.triage.model`` reads without it. The same data gives the same model: files in
a fixed order, fixed solver settings, no randomness. The saved model carries the hash of its
training data, the thresholds chosen on the validation sets, and its figures on them and on the
final test set (which is never trained on).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from followup.replies.triage import latin
from followup.replies.triage.language import READ_BY_MODEL, SUPPORTED, latin_letters_only
from followup.replies.triage.model import ANALYZERS, MODEL_PATH, Model, decode, encode

HEADS = ("category", "crisis", "callback", "opt_out")
MIN_DF = 2
MAX_CHAR_FEATURES = 40_000
# Inverse regularisation per head, chosen on the validation sets: the danger head needs the
# most freedom to tell "he is outside now" from "he was outside last week".
C = {"crisis": 16.0}
DEFAULT_C = 4.0
# The labelled data, kept in the repository: train/ is fitted on; validation/ chooses the
# thresholds; final/ is never trained on nor tuned on, only reported.
DATA = Path(__file__).resolve().parents[3] / "data" / "triage"
# Smaller weights are left out of the saved model: as good on the validation sets, smaller and
# faster.
PRUNE = 0.1


@dataclass(frozen=True)
class TrainingData:
    rows: list[dict]
    files: list[Path]
    digest: str  # sha256 of the files' names and bytes, in order


def read_rows(paths: Iterable[Path], extra: Sequence[dict] = ()) -> TrainingData:
    """The rows of ``paths`` (sorted by name) and then ``extra`` (commanders' corrections)."""
    rows: list[dict] = []
    files = sorted(Path(p) for p in paths)
    digest = hashlib.sha256()
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw)
        for line in raw.decode("utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    for row in extra:
        digest.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode())
        rows.append(row)
    return TrainingData(rows, files, digest.hexdigest())


def latin_rows(rows: Sequence[dict]) -> list[tuple[str, str]]:
    """The replies written in Latin letters (three or more), with their language; and each
    Russian or Ukrainian reply in Cyrillic once more as people type it in Latin letters (the
    labelled sets hold few such replies: 36 Ukrainian in Latin letters were named right 6 times)."""
    found = [
        (row["text"], row.get("lang") or "und")
        for row in rows
        if latin_letters_only(row["text"]) and sum(c.isalpha() for c in row["text"]) >= 3
    ]
    for row in rows:
        table = _TRANSLIT.get(row.get("lang") or "")
        if table and _CYRILLIC.search(row["text"]):
            found.append((row["text"].lower().translate(table), row["lang"]))
    return found


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_COMMON = dict(
    zip(
        "абвдезклмнопрстуфхцчшщьюя",
        "a b v d e z k l m n o p r s t u f kh ts ch sh shch  yu ya".split(" "),
        strict=True,
    )
)
# The informal spellings people text in (not a standard): Russian и is i, ы y; Ukrainian г is h,
# и y, і i, ї yi, є ye.
_TRANSLIT = {
    "ru": str.maketrans(
        _COMMON | {"г": "g", "и": "i", "й": "y", "ы": "y", "э": "e", "ё": "yo", "ж": "zh", "ъ": ""}
    ),
    "uk": str.maketrans(
        _COMMON
        | {"г": "h", "ґ": "g", "и": "y", "й": "y", "і": "i", "ї": "yi", "є": "ye", "ж": "zh"}
        | {"'": "", "’": ""}
    ),
}


def labels(rows: Sequence[dict], head: str) -> list[str]:
    if head == "category":
        return [row["cat"] for row in rows]
    if head == "language":
        return [row.get("lang") or "und" for row in rows]
    key = {"crisis": "urgent", "callback": "flag", "opt_out": "opt_out"}[head]
    return ["yes" if row.get(key) else "no" for row in rows]


# Long because the vectorisers, the heads and what is saved are one recipe: split, they drift.
def fit(data: TrainingData, *, trained_on: str) -> dict:
    """Fit every head on ``data``; return the model as saved (without thresholds yet)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [row["text"] for row in data.rows]
    vectorisers = [
        ("word", TfidfVectorizer(analyzer=ANALYZERS["word"], sublinear_tf=True, min_df=MIN_DF)),
        (
            "char",
            TfidfVectorizer(
                analyzer=ANALYZERS["char"],
                sublinear_tf=True,
                min_df=MIN_DF,
                max_features=MAX_CHAR_FEATURES,
            ),
        ),
    ]
    matrices = [vectoriser.fit_transform(texts) for _, vectoriser in vectorisers]
    features = hstack(matrices).tocsr()
    blocks = [
        {
            "analyzer": name,
            # Features in index order (the index is the position), with their idf.
            "features": [f for f, _ in sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])],
            "idf": [round(float(x), 4) for x in vec.idf_],
        }
        for name, vec in vectorisers
    ]
    heads = {}
    outputs = 0
    pulls: dict[int, list] = {}
    for head in HEADS:
        y = labels(data.rows, head)
        classifier = LogisticRegression(
            C=C.get(head, DEFAULT_C), class_weight="balanced", max_iter=3000, solver="lbfgs"
        )
        classifier.fit(features, y)
        classes = [str(c) for c in classifier.classes_]
        rows = classifier.coef_
        heads[head] = {
            "classes": classes,
            "intercepts": [round(float(b), 4) for b in classifier.intercept_],
            "first_output": outputs,
        }
        for row in rows:
            for feature, weight in enumerate(row):
                if abs(weight) >= PRUNE:
                    pulls.setdefault(feature, []).extend((outputs, round(float(weight), 4)))
            outputs += 1
    return {
        "latin": latin.fit(latin_rows(data.rows), {*READ_BY_MODEL, *SUPPORTED}),
        "meta": {
            "trained_on": trained_on,
            "training_data": {
                "files": [p.name for p in data.files],
                "rows": len(data.rows),
                "sha256": data.digest,
            },
            "settings": {
                "min_df": MIN_DF,
                "max_char_features": MAX_CHAR_FEATURES,
                "C": {head: C.get(head, DEFAULT_C) for head in HEADS},
                "prune": PRUNE,
            },
        },
        "blocks": blocks,
        "heads": heads,
        "outputs": outputs,
        # feature index -> [output, weight, output, weight, ...] (only weights kept)
        "pulls": {str(feature): found for feature, found in sorted(pulls.items())},
    }


def train(
    data: Path = DATA,
    output: Path = MODEL_PATH,
    *,
    corrections: Sequence[dict] = (),
    trained_on: str,
    report=lambda line: None,
) -> dict:
    """Fit on ``data``/train (and ``corrections``), choose thresholds on ``data``/validation,
    measure on ``data``/final, save to ``output``; return the model's meta."""
    from followup.replies.triage import tuning

    training = read_rows(sorted((data / "train").glob("*.jsonl")), corrections)
    if not training.rows:
        raise ValueError(f"no labelled replies in {data / 'train'}")
    report(
        f"fitting on {len(training.rows)} replies ({len(training.files)} files"
        f"{f', {len(corrections)} corrections' if corrections else ''})"
    )
    saved = fit(training, trained_on=trained_on)
    saved["meta"]["training_data"]["corrections"] = len(corrections)
    model = as_model(saved)
    validation = tuning.read_sets(sorted((data / "validation").glob("*.jsonl")))
    if validation:
        report(f"choosing thresholds on {len(validation)} validation replies")
        saved["meta"]["thresholds"] = tuning.choose_thresholds(model, validation)
        model = as_model(saved)
    found = {}
    for name in ("validation", "final"):
        rows = tuning.read_sets(sorted((data / name).glob("*.jsonl")))
        if rows:
            found[name] = tuning.figures(rows, tuning.classifier(model))
    saved["meta"]["figures"] = found
    save(saved, output)
    return saved["meta"]


def save(model: dict, path: Path = MODEL_PATH) -> Path:
    """Write ``model`` in the compact form ``followup.replies.triage.model`` reads."""
    path.write_bytes(encode(model))
    return path


def as_model(saved: dict) -> Model:
    return Model(decode(encode(saved)))
