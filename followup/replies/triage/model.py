"""The learned half of triage: a linear model over character and word n-grams, read in plain
Python from the weights `followup triage train` saved (no scikit-learn at run time).

Features (the same functions train and predict, so both read a reply alike): the reply
normalised (NFKC, lower case, spaces collapsed); word 1-2-grams; character 2-5-grams of each
word padded with spaces. Each block is TF-IDF (1 + log tf, smoothed idf) and L2-normalised.
Heads, each a logistic regression over the same features: ``category`` (the 12 categories),
``crisis``, ``callback`` and ``opt_out`` (yes/no), and ``language`` (ISO 639-1).

The model never acts alone: ``followup.replies.triage`` decides how it combines with the rules.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import os
import re
import unicodedata
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path

from followup.replies.triage.latin import LatinLanguages

MODEL_PATH = Path(__file__).with_name("model.bin")
logger = logging.getLogger(__name__)
# Used when a model file carries no thresholds of its own (the training command saves them).
DEFAULT_THRESHOLDS = {
    "crisis": 0.4,  # model's danger probability that raises a reply to urgent
    "crisis_unread": 0.25,  # the same, in a language the model was not trained on
    "crisis_word": 0.15,  # the same, when a danger word of the reply's language is in it
    "crisis_over": 0.9,  # the same, when the reply says the danger is over ("I am safe now")
    "category": 0.5,  # English/Spanish, no rule signal: the model names the category
    "category_other": 0.5,  # the twelve other languages: the model names the category
    "raise": 0.7,  # rules found only praise or an acknowledgement: the model may raise it
    "opt_out": 0.6,  # the model suggests an opt-out for a commander to confirm
}
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "").lower()).strip()


def words(text: str) -> list[str]:
    """Word tokens: runs of letters or digits, and each symbol that is not ASCII punctuation
    (an emoji says as much as a word)."""
    return [token for token in _WORD.findall(text) if token not in _PUNCTUATION]


def word_features(text: str) -> list[str]:
    return _word_grams(normalise(text))


def _word_grams(normalised: str) -> list[str]:
    tokens = words(normalised)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def char_features(text: str) -> list[str]:
    found = []
    for word in normalise(text).split(" "):
        if word:
            found.extend(_char_grams(word))
    return found


def _char_grams(word: str) -> list[str]:
    """A word's character 2-5-grams, the word padded with a space each side."""
    padded = f" {word} "
    found = []
    for n in range(2, 6):
        if len(padded) < n:
            break
        found.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


ANALYZERS = {"word": word_features, "char": char_features}


@dataclass(frozen=True)
class Prediction:
    """What the model reads in a reply: a probability per answer of each head."""

    category: dict[str, float]
    crisis: float
    callback: float
    opt_out: float
    words: tuple = ()  # the reply's known words (value, index, start, end), for the evidence
    model: Model | None = None

    @property
    def evidence(self) -> tuple[str, ...]:
        """The words that weighed most towards danger."""
        return self.model.danger_words(self.words) if self.model else ()

    @property
    def top(self) -> tuple[str, float]:
        return max(self.category.items(), key=lambda item: item[1])


class Model:
    """Weights as saved, arranged for one pass per reply: for each known feature, its index, idf
    and where its weights (output, weight) lie in two flat arrays.

    The character block is summed word by word: a word's n-grams, and what they pull towards each
    output, are worked out once and remembered (``WORD_CACHE`` words), because replies are made of
    the same few thousand words. TF-IDF is not additive (an n-gram twice counts 1 + log 2, not 2),
    so n-grams that occur more than once in a reply are corrected afterwards: the result is the
    same as summing feature by feature (``reference_scores``), in a fraction of the time."""

    WORD_CACHE = 20_000

    def __init__(self, data: dict):
        self.meta = data["meta"]
        self.outputs = data["outputs"]
        self.latin = LatinLanguages(data["latin"]) if data.get("latin") else None
        outputs, weights, starts = data["pull_outputs"], data["pull_weights"], data["pull_starts"]
        self.pull_outputs, self.pull_weights, self.pull_starts = outputs, weights, starts
        self.tables = []  # per block: (analyzer, {feature: (global index, idf, start, end)})
        self.word_names: dict[int, str] = {}
        self.idf = array("d")
        self.char_table: dict[str, int] = {}
        offset = 0
        for block in data["blocks"]:
            table = {}
            entries = zip(block["features"], block["idf"], strict=True)
            for index, (feature, idf) in enumerate(entries):
                at = offset + index
                table[feature] = (at, idf, starts[at], starts[at + 1])
                if block["analyzer"] == "word":
                    self.word_names[at] = feature
                else:
                    self.char_table[feature] = at
            self.idf.extend(float(x) for x in block["idf"])
            self.tables.append((ANALYZERS[block["analyzer"]], table))
            offset += len(block["idf"])
        self.word_table = next(
            (table for (analyzer, table) in self.tables if analyzer is word_features), {}
        )
        self.heads = {
            name: (head["classes"], head["intercepts"], head["first_output"])
            for name, head in data["heads"].items()
        }
        self.crisis_output = self.heads["crisis"][2]  # binary: one output, for "yes"
        self.thresholds = {**DEFAULT_THRESHOLDS, **self.meta.get("thresholds", {})}
        self._char_word = lru_cache(maxsize=self.WORD_CACHE)(self._char_word_uncached)

    def predict(self, text: str) -> Prediction:
        normalised = normalise(text)
        scores, seen_words = self._word_scores(normalised)
        for output, value in enumerate(self._char_scores(normalised)):
            scores[output] += value
        found = {
            name: _probabilities(classes, [b + scores[first + i] for i, b in enumerate(bias)])
            for name, (classes, bias, first) in self.heads.items()
        }
        return Prediction(
            category=found["category"],
            crisis=found["crisis"]["yes"],
            callback=found["callback"]["yes"],
            opt_out=found["opt_out"]["yes"],
            words=tuple(seen_words),
            model=self,
        )

    def _word_scores(self, normalised: str) -> tuple[list[float], list]:
        """The word block's pull on each output, and its words (for the evidence)."""
        scores = [0.0] * self.outputs
        table = self.word_table
        counts = Counter(f for f in _word_grams(normalised) if f in table)
        values = []
        total = 0.0
        for feature, n in counts.items():
            entry = table[feature]
            value = (1 + math.log(n)) * entry[1] if n > 1 else entry[1]
            values.append((value, entry))
            total += value * value
        seen_words: list[tuple[float, int, int, int]] = []
        if not values:
            return scores, seen_words
        norm = math.sqrt(total)
        outputs, weights = self.pull_outputs, self.pull_weights
        for value, (index, _, start, end) in values:
            value /= norm
            for output, weight in zip(outputs[start:end], weights[start:end], strict=True):
                scores[output] += weight * value
            seen_words.append((value, index, start, end))
        return scores, seen_words

    def _char_scores(self, normalised: str) -> list[float]:
        """The character block's pull on each output, summed word by word (see the class)."""
        parts = [self._char_word(word) for word in normalised.split(" ") if word]
        parts = [part for part in parts if part[0]]
        if not parts:
            return [0.0] * self.outputs
        sums = [sum(column) for column in zip(*(pulls for _, pulls, _ in parts), strict=True)]
        squares = sum(square for _, _, square in parts)
        counts = Counter(chain.from_iterable(indices for indices, _, _ in parts))
        if len(counts) < sum(len(indices) for indices, _, _ in parts):  # an n-gram repeats
            idf, starts = self.idf, self.pull_starts
            outputs, weights = self.pull_outputs, self.pull_weights
            for at, n in counts.items():
                if n > 1:  # summed as n * idf; TF-IDF wants (1 + log n) * idf
                    value = (1 + math.log(n)) * idf[at]
                    squares += value * value - n * idf[at] * idf[at]
                    delta = value - n * idf[at]
                    start, end = starts[at], starts[at + 1]
                    for output, weight in zip(
                        outputs[start:end], weights[start:end], strict=True
                    ):
                        sums[output] += weight * delta
        norm = math.sqrt(squares)
        return [value / norm for value in sums]

    def _char_word_uncached(self, word: str) -> tuple[array, array, float]:
        """One word's known character n-grams (repeats kept), their summed pull on each output
        (each counted once per occurrence) and the sum of their idf squared."""
        table, idf, starts = self.char_table, self.idf, self.pull_starts
        outputs, weights = self.pull_outputs, self.pull_weights
        indices = array("I", (table[g] for g in _char_grams(word) if g in table))
        pulls = [0.0] * self.outputs
        square = 0.0
        for at in indices:
            value = idf[at]
            square += value * value
            start, end = starts[at], starts[at + 1]
            for output, weight in zip(outputs[start:end], weights[start:end], strict=True):
                pulls[output] += weight * value
        return indices, array("d", pulls), square

    def reference_scores(self, text: str) -> list[float]:
        """The same scores the plain way, feature by feature (what ``predict`` must equal)."""
        scores = [0.0] * self.outputs
        outputs, weights = self.pull_outputs, self.pull_weights
        for analyzer, table in self.tables:
            counts = Counter(f for f in analyzer(text) if f in table)
            values = [
                ((1 + math.log(n)) * table[f][1], table[f]) for f, n in counts.items()
            ]
            norm = math.sqrt(sum(value * value for value, _ in values)) or 1.0
            for value, (_, _, start, end) in values:
                for output, weight in zip(outputs[start:end], weights[start:end], strict=True):
                    scores[output] += weight * value / norm
        return scores

    def danger_words(self, words: tuple[tuple[float, int, int, int], ...]) -> tuple[str, ...]:
        """The words of a reply that weighed most towards danger (worked out only when shown)."""
        outputs, weights, crisis = self.pull_outputs, self.pull_weights, self.crisis_output
        pulls = []
        for value, index, start, end in words:
            for output, weight in zip(outputs[start:end], weights[start:end], strict=True):
                if output == crisis and weight > 0:
                    pulls.append((weight * value, index))
        pulls.sort(reverse=True)
        return _evidence(self.word_names[index] for _, index in pulls)


FUNCTION_WORDS = frozenset(
    "a an and at be been but by de el en es for he her him his i in is it la las lo los me mi "
    "my no of on or que se she so su that the their them there they this to us was we were "
    "with y ya you your".split()
)


def _evidence(features, count: int = 3) -> tuple[str, ...]:
    """The first ``count`` features worth showing a commander: not a bare function word."""
    shown: list[str] = []
    for feature in features:
        parts = feature.split(" ")
        if all(part in FUNCTION_WORDS or len(part) < 2 for part in parts) or feature in shown:
            continue
        shown.append(feature)
        if len(shown) == count:
            break
    return tuple(shown)


MAGIC = b"FUTRIAGE1\n"


def encode(model: dict) -> bytes:
    """The model as saved: a JSON header, then the arrays, gzipped (``decode`` reads it)."""
    pulls = model["pulls"]
    features = sum(len(block["idf"]) for block in model["blocks"])
    starts, outputs, weights = array("I"), array("B"), array("f")
    for feature in range(features):
        starts.append(len(outputs))
        found = pulls.get(str(feature), ())
        outputs.extend(found[::2])
        weights.extend(found[1::2])
    starts.append(len(outputs))
    header = {
        "meta": model["meta"],
        "heads": model["heads"],
        "outputs": model["outputs"],
        "blocks": [{"analyzer": b["analyzer"], "size": len(b["idf"])} for b in model["blocks"]],
        "latin": model.get("latin"),  # the identifier of languages in Latin letters (``latin``)
    }
    parts = [json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()]
    for block in model["blocks"]:
        parts.append("\n".join(block["features"]).encode())
        parts.append(array("f", block["idf"]).tobytes())
    parts += [starts.tobytes(), outputs.tobytes(), weights.tobytes()]
    body = MAGIC + b"".join(len(part).to_bytes(8, "little") + part for part in parts)
    return gzip.compress(body, mtime=0)


def decode(raw: bytes) -> dict:
    """Read what ``encode`` wrote back into the form ``Model`` takes."""
    body = gzip.decompress(raw)
    if not body.startswith(MAGIC):
        raise ValueError("not a triage model file")
    parts, at = [], len(MAGIC)
    while at < len(body):
        size = int.from_bytes(body[at : at + 8], "little")
        parts.append(body[at + 8 : at + 8 + size])
        at += 8 + size
    header = json.loads(parts[0])
    blocks, at = [], 1
    for block in header["blocks"]:
        idf = array("f")
        idf.frombytes(parts[at + 1])
        features = parts[at].decode().split("\n") if block["size"] else []
        blocks.append({"analyzer": block["analyzer"], "features": features, "idf": idf})
        at += 2
    starts, outputs, weights = array("I"), array("B"), array("f")
    for target, part in zip((starts, outputs, weights), parts[at : at + 3], strict=True):
        target.frombytes(part)
    return {
        "meta": header["meta"],
        "heads": header["heads"],
        "outputs": header["outputs"],
        "blocks": blocks,
        "pull_starts": starts,
        "pull_outputs": outputs,
        "pull_weights": weights,
        "latin": header.get("latin"),
    }


def _probabilities(classes: list[str], scores: list[float]) -> dict[str, float]:
    if len(classes) == 2 and len(scores) == 1:  # binary: one row, for the second class
        p = 1 / (1 + math.exp(-max(-60.0, min(60.0, scores[0]))))
        return {classes[0]: 1 - p, classes[1]: p}
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return {c: e / total for c, e in zip(classes, exps, strict=True)}


@lru_cache(maxsize=1)
def load(path: Path | None = None) -> Model | None:
    """The model in use: ``FOLLOWUP_TRIAGE_MODEL`` (a file `followup triage train` wrote), else
    the one shipped; None when there is none (triage then runs on rules alone). A configured
    file that cannot be read is logged and the shipped model used: replies are never left
    unread for a bad path."""
    configured = os.environ.get("FOLLOWUP_TRIAGE_MODEL", "").strip()
    if path is None and configured:
        try:
            return Model(decode(Path(configured).read_bytes()))
        except Exception as exc:  # a missing or damaged file: say so, and fall back
            logger.error(
                "FOLLOWUP_TRIAGE_MODEL could not be read (%s); using the shipped model",
                type(exc).__name__,
            )
    try:
        raw = (path or MODEL_PATH).read_bytes()
    except FileNotFoundError:
        return None
    return Model(decode(raw))
