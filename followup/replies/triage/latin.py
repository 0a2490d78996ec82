"""Which language a reply in Latin letters is written in, learned from the labelled replies.

The statistical detector (lingua) knows languages as they are printed. Callers text Vietnamese
without its marks ("thang do bi bat roi"), Russian and Ukrainian in Latin letters ("udalite moy
nomer"), Arabic as Arabizi with digits for letters ("3ndi l7bob"), Haitian Creole and Amharic as
they sound: lingua names French, Polish, Indonesian, Dutch or Somali for them. A wrong language
names the wrong interpreter, answers danger in the wrong language, and gives a reply the lower
danger bar of a language the service does not read. This identifier, trained on the replies'
`lang` labels (character 1-4-grams of each word, as scikit-learn's ``char_wb``, TF-IDF, one
multinomial logistic regression; classes: English, Spanish, the twelve languages the model reads
and "other"), overrules lingua for a Latin-letter reply when it is sure (``SURE``) of a language
the model reads. It is saved inside the triage model file (`followup triage train`).
"""

from __future__ import annotations

import math
import re

from followup.core import tfidf

SURE = 0.8  # the identifier's probability needed to overrule lingua
OTHER = "other"  # any language the service does not read
_SPACES = re.compile(r"\s\s+")


def grams(text: str) -> list[str]:
    """Character 1-4-grams of each word padded with a space, as scikit-learn's ``char_wb``."""
    found = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(1, 5):
            for offset in range(len(padded) - n + 1):
                found.append(padded[offset : offset + n])
            if len(padded) < n:
                break
    return found


class LatinLanguages:
    def __init__(self, saved: dict):
        self.classes: list[str] = saved["classes"]
        self.intercepts: list[float] = saved["intercepts"]
        # feature -> (idf, [(class index, weight), ...])
        self.table = {
            feature: (idf, list(zip(pulls[::2], pulls[1::2], strict=True)))
            for feature, idf, pulls in saved["features"]
        }

    def identify(self, text: str) -> tuple[str, float]:
        """The most likely language of ``text`` and its probability."""
        scores = list(self.intercepts)
        for gram, value in tfidf.vector(grams(text), self.table).items():
            for index, weight in self.table[gram][1]:
                scores[index] += value * weight
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        best = max(range(len(exps)), key=exps.__getitem__)
        return self.classes[best], exps[best] / sum(exps)


def fit(rows, read: set[str], *, prune: float = 0.05) -> dict:
    """Fit on labelled rows (text, lang) written in Latin letters; return what is saved."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [text for text, _ in rows]
    labels = [lang if lang in read else OTHER for _, lang in rows]
    vectoriser = TfidfVectorizer(analyzer=grams, sublinear_tf=True, min_df=2, lowercase=False)
    classifier = LogisticRegression(C=10.0, max_iter=3000)
    classifier.fit(vectoriser.fit_transform(texts), labels)
    features = []
    for feature, index in sorted(vectoriser.vocabulary_.items(), key=lambda kv: kv[1]):
        pulls = []
        for klass, row in enumerate(classifier.coef_):
            if abs(row[index]) >= prune:
                pulls += [klass, round(float(row[index]), 4)]
        features.append([feature, round(float(vectoriser.idf_[index]), 4), pulls])
    return {
        "classes": [str(c) for c in classifier.classes_],
        "intercepts": [round(float(b), 4) for b in classifier.intercept_],
        "features": features,
    }
