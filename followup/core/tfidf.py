"""The TF-IDF vector the small learned models read (scikit-learn's ``TfidfVectorizer`` with
``sublinear_tf=True`` and L2 norm), worked out in plain Python from a saved table."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping


def vector(features: Iterable[str], idf: Mapping[str, tuple]) -> dict[str, float]:
    """``features`` weighted (1 + log count) x idf and L2-normalised; features not in ``idf``
    (a table of feature -> (idf, ...)) are left out; {} when none is known."""
    counts = Counter(f for f in features if f in idf)
    values = {f: (1.0 + math.log(n)) * idf[f][0] for f, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values()))
    return {f: v / norm for f, v in values.items()} if norm else {}
