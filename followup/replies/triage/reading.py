"""The rules' reading of a reply: what they recognise, with the reasons a commander reads.

Order of decision:

1. Carrier keywords as the whole message: STOP and friends (in every language the service
   answers), START/UNSTOP, HELP/INFO.
2. Danger now, in English or Spanish whatever the detected language: crisis, urgent. Crisis
   outranks everything else in the same text, including a request to stop the texts.
3. An unmistakable request to stop the texts (``opt_out``), in any language it knows.
4. English and Spanish: every other signal (conduct, unresolved, negative, question, wrong
   number, praise, an acknowledgement, a rating, emoji); the most serious one is the category.
   Other languages: no signal here; the model and a person read them.

``Reading.signal`` says whether a rule recognised anything; where none did, the model decides
(``followup.replies.triage``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from followup.core.categories import Category
from followup.replies.triage import language as languages
from followup.replies.triage import opt_out as opt_outs
from followup.replies.triage import other_languages
from followup.replies.triage import rules as r
from followup.replies.triage.ratings import find_rating
from followup.replies.triage.result import SERIOUSNESS, TriageResult, result
from followup.replies.triage.text import bare, fold, strip_accents

OPT_OUT_KEYWORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "OPTOUT",
        "REVOKE",
        "PARAR",
        "BAJA",
        "ALTO",
    }
)
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO", "AYUDA"})
# Words people wrap around a keyword without changing it: "STOP please", "stop stop stop".
_KEYWORD_COMPANIONS = frozenset(
    {"PLEASE", "PLS", "PLZ", "NOW", "THANKS", "THANK", "YOU", "POR", "FAVOR", "GRACIAS", "YA"}
)
_JOINED = {"STOP ALL": "STOPALL", "OPT OUT": "OPTOUT", "UN STOP": "UNSTOP"}
_NOT_LATIN_LETTER = re.compile(r"[^\W\d_a-zA-Z]")
# A reply that opens with START or UNSTOP, or shouts either, asks for the texts (again).
_ASKS_TO_START = re.compile(r"^\W*(?i:start|unstop)\b|\b(?:START|UNSTOP)\b")
ADVERT = "a forwarded advertisement or notice: its unsubscribe line is not a request to stop"
MIXED_START_STOP = "mentions both stopping and starting the texts: a person should read this"


@dataclass(frozen=True)
class Reading:
    result: TriageResult
    keyword: bool = False  # a carrier keyword decided: nothing may change it
    signal: bool = False  # a rule recognised something (else: "no signal a rule recognises")


# Long because the order of decision is the rule: reading it top to bottom is the point.
def read(text: str, hint: str | None = None) -> Reading:
    """What the rules recognise in ``text`` (``hint``: the conversation's language)."""
    raw = text or ""
    keyword = _keyword(raw)
    if keyword:
        category, word = keyword
        found = result(
            category,
            languages.detect(raw, hint),
            None,
            [f"keyword {word}"],
            opt_out=category == Category.OPT_OUT,
        )
        return Reading(found, keyword=True, signal=True)
    foreign_stop = other_languages.stop_word(raw)
    if foreign_stop:
        found = result(
            Category.OPT_OUT,
            foreign_stop,
            None,
            [f"keyword: stop, in {languages.name_of(foreign_stop)}"],
            opt_out=True,
        )
        return Reading(found, keyword=True, signal=True)

    folded = fold(raw)
    if r.SIGNATURE.match(raw.strip()):
        found = result(
            Category.OTHER,
            languages.UNDETERMINED,
            None,
            ["a signature or phone footer, no message"],
        )
        return Reading(found, signal=True)
    language = languages.detect(raw, hint)
    rating = find_rating(folded, raw)
    screened = r.SCREEN(folded)  # which categories' rules could match at all

    def reasons(name: str, rule_set: r.RuleSet) -> list[str]:
        return rule_set.reasons(folded) if name in screened else []

    crisis = [f"danger: {reason}" for reason in reasons("crisis", r.CRISIS)]
    if crisis and r.DANGER_OVER.search(folded) and not r.DANGER_NOW_AGAIN.search(folded):
        crisis = []  # "he's in jail now", "last week": the model reads it whole
    if crisis:
        return Reading(result(Category.CRISIS, language, rating, crisis), signal=True)

    stop = opt_outs.reasons(raw, folded)
    advert = bool(stop) and opt_outs.advert(raw, folded)
    if advert:
        # "Reply STOP to unsubscribe" in a forwarded advert asks nothing of us: only what the
        # caller wrote around it may ("text STOP to 12345 lol no. just stop texting me").
        rest = opt_outs.without_advert(raw)
        stop = opt_outs.reasons(rest, fold(rest))
        advert = not stop
    if stop and _ASKS_TO_START.search(raw):
        # "START 之前不小心退订了" (START: I unsubscribed by mistake): stopping is mentioned, not
        # asked for, or both are: nobody is opted out (nor in) on a guess; a person reads it.
        return Reading(
            result(Category.OTHER, language, rating, [MIXED_START_STOP], callback=True),
            signal=True,
        )
    if language not in languages.SUPPORTED and language != languages.UNDETERMINED:
        if stop:
            return Reading(
                result(Category.OPT_OUT, language, rating, stop, opt_out=True), signal=True
            )
        return Reading(result(Category.OTHER, language, rating, [], callback=True))

    signals = _signals(raw, folded, rating, reasons)
    serious = next((c for c in SERIOUSNESS[:4] if c in signals), None)
    if stop and serious is None:
        return Reading(result(Category.OPT_OUT, language, rating, stop, opt_out=True), signal=True)
    if serious is None and reasons("opt_in", r.OPT_IN_SENTENCES):
        found = result(Category.OPT_IN, language, rating, ["asks to get the texts again"])
        return Reading(found, signal=True)

    category = next((c for c in SERIOUSNESS if c in signals), Category.OTHER)
    said = list(signals.get(category, []))
    if stop:
        said.append("also asks to stop the texts")
    if advert and not signals:
        said = [ADVERT]
    found = result(category, language, rating, said, opt_out=bool(stop))
    return Reading(found, signal=bool(signals) or bool(stop) or advert)


def _signals(raw: str, folded: str, rating: int | None, reasons) -> dict[Category, list[str]]:
    """Every English or Spanish signal the rules find, by category."""
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
        tone = (
            Category.NEGATIVE
            if rating <= 2
            else Category.NEUTRAL
            if rating == 3
            else (Category.POSITIVE)
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
    return signals


def _keyword(raw: str) -> tuple[Category, str] | None:
    """Return the category of a whole-message carrier keyword ("Stop!!", "stop please")."""
    if _NOT_LATIN_LETTER.search(strip_accents(raw)):
        return None  # "STOP 표지판" is about a road sign: other scripts are read elsewhere
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
