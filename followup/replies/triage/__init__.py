"""Reply triage: what a caller's text means, and whether a person must call back.

One decision for every surface (the inbound webhook, the dashboard, reports, the CLI), made by
rules a commander can read: each result carries the reasons that decided it. Deterministic: the
same text always gets the same answer.

Order of decision:

1. Carrier keywords as the whole message: STOP and friends, START/UNSTOP, HELP/INFO.
2. Danger now, in English or Spanish whatever the detected language: crisis, urgent. Crisis
   outranks everything else in the same text, including a request to stop the texts.
3. A language the service cannot read: ``other`` with a callback, so a person reads it.
4. Every other signal (conduct, unresolved, negative, question, wrong number, praise, an
   acknowledgement, a rating, emoji); the most serious one is the category.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from followup.models.messages import Category
from followup.replies.triage import language as languages
from followup.replies.triage import rules as r
from followup.replies.triage.ratings import find_rating
from followup.replies.triage.text import bare, fold

CALLBACK = frozenset(
    {Category.UNRESOLVED, Category.NEGATIVE, Category.CONDUCT, Category.CRISIS, Category.QUESTION}
)
# Most serious first: when a reply says several things, the first of these it says decides.
SERIOUSNESS = (
    Category.CONDUCT,
    Category.UNRESOLVED,
    Category.NEGATIVE,
    Category.QUESTION,
    Category.WRONG_NUMBER,
    Category.POSITIVE,
    Category.NEUTRAL,
)

OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "PARAR",
     "BAJA", "ALTO"}
)
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO", "AYUDA"})
# Words people wrap around a keyword without changing it: "STOP please", "stop stop stop".
_KEYWORD_COMPANIONS = frozenset({"PLEASE", "PLS", "PLZ", "NOW", "THANKS", "THANK", "YOU",
                                 "POR", "FAVOR", "GRACIAS", "YA"})
_JOINED = {"STOP ALL": "STOPALL", "OPT OUT": "OPTOUT", "UN STOP": "UNSTOP"}


@dataclass(frozen=True)
class TriageResult:
    category: Category
    callback: bool  # a watch commander should call back
    urgent: bool  # danger now: alert the on-duty commander at once
    opt_out: bool  # the caller asked to stop the texts
    language: str  # ISO 639-1, or "und"
    rating: int | None  # 1-5 when the reply gave one
    reasons: tuple[str, ...]  # what decided, in words a commander reads

    def as_dict(self) -> dict:
        data = asdict(self)
        data["category"] = str(self.category)
        data["reasons"] = list(self.reasons)
        return data


# Long because the order of decision is the rule: reading it top to bottom is the point.
def triage(text: str, *, language_hint: str | None = None) -> TriageResult:
    """Decide what ``text`` is and whether a person must call back."""
    raw = text or ""
    hint = (language_hint or "").split("-")[0].lower() or None

    keyword = _keyword(raw)
    if keyword:
        category, word = keyword
        return _result(category, languages.detect(raw, hint), None, [f"keyword {word}"],
                       opt_out=category == Category.OPT_OUT)

    folded = fold(raw)
    if r.SIGNATURE.match(raw.strip()):
        return _result(Category.OTHER, languages.UNDETERMINED, None,
                       ["a signature or phone footer, no message"])
    language = languages.detect(raw, hint)
    rating = find_rating(folded, raw)

    screened = r.SCREEN(folded)  # which categories' rules could match at all

    def reasons(name: str, rule_set: r.RuleSet) -> list[str]:
        return rule_set.reasons(folded) if name in screened else []

    crisis = [f"danger: {reason}" for reason in reasons("crisis", r.CRISIS)]
    if crisis:
        return _result(Category.CRISIS, language, rating, crisis)

    if language not in languages.SUPPORTED and language != languages.UNDETERMINED:
        return _result(
            Category.OTHER, language, rating,
            [f"written in a language the service does not read ({language}): a person must"],
            callback=True,
        )

    signals: dict[Category, list[str]] = {}

    def add(category: Category, reason: str) -> None:
        signals.setdefault(category, []).append(reason)

    for category, rule_set in (
        (Category.CONDUCT, r.CONDUCT),
        (Category.UNRESOLVED, r.UNRESOLVED),
        (Category.NEGATIVE, r.NEGATIVE),
        (Category.QUESTION, r.QUESTION),
        (Category.WRONG_NUMBER, r.WRONG_NUMBER),
        (Category.POSITIVE, r.POSITIVE),
    ):
        for reason in reasons(category.value, rule_set):
            add(category, reason)
    if rating is not None:
        tone = Category.NEGATIVE if rating <= 2 else Category.NEUTRAL if rating == 3 else (
            Category.POSITIVE
        )
        add(tone, f"rated {rating} of 5")
    if r.NEGATIVE_EMOJI.search(raw):
        add(Category.NEGATIVE, "an eye-roll or angry emoji")
    elif r.POSITIVE_EMOJI.search(raw):
        add(Category.POSITIVE, "a thumbs-up or thanks emoji")
    if r.NEUTRAL_EMOJI.search(raw) and not signals:
        add(Category.NEUTRAL, "a shrug or blank-face emoji")
    if rating is None and not signals and r.ACKNOWLEDGEMENT.match(folded):
        add(Category.NEUTRAL, "an acknowledgement")
    if not signals:
        for reason in reasons("neutral", r.NEUTRAL):
            add(Category.NEUTRAL, reason)

    opt_out = bool(reasons("opt_out", r.OPT_OUT_SENTENCES)) and not (
        r.OPT_OUT_DECOYS.search(folded)
    )
    serious = next((c for c in SERIOUSNESS[:4] if c in signals), None)
    if opt_out and serious is None:
        return _result(Category.OPT_OUT, language, rating, ["asks to stop the texts"],
                       opt_out=True)
    if serious is None and reasons("opt_in", r.OPT_IN_SENTENCES):
        return _result(Category.OPT_IN, language, rating, ["asks to get the texts again"])

    category = next((c for c in SERIOUSNESS if c in signals), Category.OTHER)
    reasons = list(signals.get(category, ["no signal a rule recognises"]))
    if opt_out:
        reasons.append("also asks to stop the texts")
    return _result(category, language, rating, reasons, opt_out=opt_out)


def _keyword(raw: str) -> tuple[Category, str] | None:
    """Return the category of a whole-message carrier keyword ("Stop!!", "stop please")."""
    words = bare(raw)
    for joined, single in _JOINED.items():
        words = words.replace(joined, single)
    core = [w for w in words.split() if w not in _KEYWORD_COMPANIONS]
    if not core or len(core) > 3 or len(set(core)) != 1:
        return None
    word = core[0]
    for category, keywords in (
        (Category.OPT_OUT, OPT_OUT_KEYWORDS),
        (Category.OPT_IN, OPT_IN_KEYWORDS),
        (Category.HELP, HELP_KEYWORDS),
    ):
        if word in keywords:
            return category, word
    return None


def _result(
    category: Category,
    language: str,
    rating: int | None,
    reasons: list[str],
    *,
    opt_out: bool = False,
    callback: bool | None = None,
) -> TriageResult:
    return TriageResult(
        category=category,
        callback=category in CALLBACK if callback is None else callback,
        urgent=category == Category.CRISIS,
        opt_out=opt_out,
        language=language,
        rating=rating,
        reasons=tuple(dict.fromkeys(reasons)),
    )


__all__ = ["Category", "TriageResult", "triage", "CALLBACK"]
