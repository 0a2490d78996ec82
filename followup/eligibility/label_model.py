"""The learned half of the sensitive-call list: a linear model over a label's words and letters.

No list of words knows every agency's wording (`SHLTR INTAKE`, `CIID - CALLER IN DANGER`,
`OFFENDER BRACELET TAMPER`): on labels from agencies it had never seen, the list alone skipped
about nine sensitive labels in ten. The model reads what the list misses from the parts of
words it has seen in sensitive labels before, and may only add a skip, never remove one: a
missed check-in costs a survey answer, a wrong one can cost a life.

Features, the same at training (`followup calltypes train`) and at run time: the label
normalised as the list reads it (`sensitive.normalise`), word 1-2-grams and each word's
character 2-5-grams padded with a space, each block TF-IDF (1 + log tf, smoothed idf) and
L2-normalised; one logistic regression over both. The weights are read in plain Python from
`label_model.json.gz` (no scikit-learn at run time).
"""

from __future__ import annotations

import gzip
import json
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from followup.core import tfidf

MODEL_PATH = Path(__file__).with_name("label_model.json.gz")
logger = logging.getLogger(__name__)


def word_grams(normalised: str) -> list[str]:
    tokens = normalised.split()
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def char_grams(normalised: str) -> list[str]:
    found = []
    for word in normalised.split():
        padded = f" {word} "
        for n in range(2, 6):
            found.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


ANALYZERS = {"word": word_grams, "char": char_grams}


def bare_code(normalised: str) -> bool:
    """A label of codes alone, each with a digit in it (`S41`, `802`, `10 16`): what it means is
    the agency's own, so the model neither learns nor reads it (the call-type register does)."""
    words = normalised.split()
    return not words or all(any(c.isdigit() for c in word) for word in words)


@dataclass(frozen=True)
class Likelihood:
    """How likely the model finds a label sensitive, and the words that pulled most."""

    probability: float
    evidence: tuple[str, ...]


class LabelModel:
    def __init__(self, saved: dict):
        self.meta = saved["meta"]
        self.threshold = float(saved["threshold"])
        self.intercept = float(saved["intercept"])
        # block name -> {feature: (idf, weight)}
        self.blocks = {
            name: {feature: (pair[0], pair[1]) for feature, pair in table.items()}
            for name, table in saved["blocks"].items()
        }

    def likelihood(self, normalised: str) -> Likelihood:
        score = self.intercept
        pulls: dict[str, float] = {}
        for name, table in self.blocks.items():
            for feature, value in tfidf.vector(ANALYZERS[name](normalised), table).items():
                pull = value * table[feature][1]
                score += pull
                if name == "word" and " " not in feature:
                    pulls[feature] = pull
        probability = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, score))))
        strongest = sorted((f for f, p in pulls.items() if p > 0), key=lambda f: -pulls[f])
        return Likelihood(probability, tuple(strongest[:3]))


def decode(raw: bytes) -> dict:
    return json.loads(gzip.decompress(raw).decode("utf-8"))


def encode(saved: dict) -> bytes:
    return gzip.compress(json.dumps(saved, separators=(",", ":")).encode("utf-8"), mtime=0)


@lru_cache(maxsize=1)
def load(path: Path = MODEL_PATH) -> LabelModel | None:
    """The shipped model, or None when the file is missing or unreadable (the list then
    decides alone, and says so in the log)."""
    try:
        return LabelModel(decode(path.read_bytes()))
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("call-type model not loaded (%s); the sensitive list decides alone", exc)
        return None
