"""Reply triage: what a caller's text means, and whether a person must call back.

One decision for every surface (the inbound webhook, the dashboard, reports, the CLI), made by
rules and a learned model together; each result carries the reasons that decided it, in words a
commander reads. Deterministic: the same text always gets the same answer.

1. **Rules** (``reading``) keep what they do well: carrier keywords, explicit danger, unmistakable
   opt-outs, ratings, and reasons in plain words.
2. **The model** (``model``, trained by `followup triage train`) reads what no rule recognises,
   in English, Spanish and the twelve languages in ``language.READ_BY_MODEL``. It may raise
   urgency (never lower it), name the category where the rules found nothing or only praise,
   and *suggest* an opt-out for a commander to confirm; it never acts on one.
3. **Safety first where both are unsure**: a reply with content that neither places with
   confidence goes to a person ("unclear: a person should read this"); one in a language the
   service cannot read goes to a person, urgently when anything in it may be danger.

The thresholds are chosen on validation sets by the training command and saved with the model.
Without a model file the rules decide alone (``triage_by_rules`` is that engine, for comparison).
"""

from __future__ import annotations

import re
import unicodedata

from followup.core.categories import Category
from followup.replies.triage import any_language, danger_words, rules, safe_now
from followup.replies.triage import language as languages
from followup.replies.triage import model as models
from followup.replies.triage.reading import Reading, read
from followup.replies.triage.result import CALLBACK, SERIOUSNESS, TriageResult, result
from followup.replies.triage.text import fold

UNCLEAR = "unclear: a person should read this"
_WORD = re.compile(r"[^\W\d_]{2,}")


def triage(
    text: str, *, language_hint: str | None = None, model: models.Model | None = None
) -> TriageResult:
    """Decide what ``text`` is and whether a person must call back (``model``: a candidate to
    measure instead of the saved one)."""
    hint = (language_hint or "").split("-")[0].lower() or None
    if model is not None:  # a candidate: its own identifier names the languages
        with languages.identifying_with(getattr(model, "latin", None) or False):
            return _triage(text or "", hint, model)
    return _triage(text or "", hint, models.load())


def _triage(text: str, hint: str | None, model: models.Model | None) -> TriageResult:
    reading = read(text, hint)
    if model is None or reading.keyword:
        return _rules_only(reading, text)
    return _combine(text, reading, model, hint)


def triage_by_rules(text: str, *, language_hint: str | None = None) -> TriageResult:
    """The rules' answer alone (what the service did before the model; for comparison)."""
    hint = (language_hint or "").split("-")[0].lower() or None
    return _rules_only(read(text or "", hint), text or "")


def _rules_only(reading: Reading, text: str) -> TriageResult:
    found = reading.result
    if reading.signal:
        return found
    if found.language in languages.SUPPORTED or found.language == languages.UNDETERMINED:
        return _with(found, ["no signal a rule recognises"])
    if _letters(text) < 3:
        return _with(found, ["no signal a rule recognises"])
    return _with(found, [_unread(found.language)], callback=True)


# Long because the order of decision is the rule: reading it top to bottom is the point.
def _combine(
    text: str, reading: Reading, model: models.Model, hint: str | None = None
) -> TriageResult:
    found = reading.result
    language = found.language
    foreign = languages.needs_interpreter(language)
    readable = not foreign or language in languages.READ_BY_MODEL
    interpreter = [f"written in {languages.name_of(language)}: interpreter needed"] * foreign

    if found.category == Category.CRISIS:
        return _with(found, interpreter)
    seen = model.predict(text)
    limits = model.thresholds
    # Romanized ("udalite moy nomer") and taken by lingua for a language not read: named right by
    # the identifier, but danger keeps the lower bar and the words of any language.
    lenient = not readable or languages.overruled(text, hint)
    crisis_limit = limits["crisis_unread"] if lenient else limits["crisis"]
    # Lingua cannot name a short romanized reply ("toi muon chet", "em that su muon chet" taken
    # for English): its danger words still count, and wanting to die said plainly decides.
    unnamed = language == languages.UNDETERMINED
    plain = danger_words.wants_to_die(text) if readable else None
    word = danger_words.danger(text) if (foreign and readable) or unnamed or plain else None
    if not foreign and (plain or (word and unnamed)):
        language = plain or word[0]  # named by the words it says
        interpreter = [f"written in {languages.name_of(language)}: interpreter needed"]
    cry = any_language.may_be_danger(text) if lenient else None
    # An unmistakable request to stop the texts with only the lower bar's weak hint of danger
    # ("m pa enterese nan sondaj nou an, kite m anpè" at 0.25): the request decides.
    weak = found.opt_out and seen.crisis < limits["crisis"]
    if (
        (
            seen.crisis >= crisis_limit
            and not weak
            and not _over(text, seen.crisis, limits)
            and _says_something(text)
        )
        or (word and seen.crisis >= limits["crisis_word"])
        or (plain and not _over(text, seen.crisis, limits))
        or cry
    ):
        said = f"model: likely danger ({seen.crisis:.2f})" + _evidence(seen)
        if plain and seen.crisis < crisis_limit:
            said = f"danger: wants to die ({languages.name_of(plain)}; model {seen.crisis:.2f})"
        elif word and seen.crisis < crisis_limit:
            said = f'danger: "{word[1]}" ({languages.name_of(word[0])}; model {seen.crisis:.2f})'
        elif not readable and seen.crisis < crisis_limit:
            name = languages.name_of(language)
            said = f'may be danger: "{cry}", in a language not read here ({name})'
        # The model raises urgency. A person in danger is never opted out by a sentence ("you
        # don't need to follow up"): a commander confirms it (a keyword STOP decided earlier).
        confirm = ["also asks to stop the texts: a person should confirm"] * found.opt_out
        return result(
            Category.CRISIS,
            language,
            found.rating,
            [said, *confirm, *interpreter],
            suggested_opt_out=found.opt_out,
        )

    # The model never opts anyone out; what it reads as a request to stop, a person confirms.
    suggestion = not found.opt_out and (
        seen.opt_out >= limits["opt_out"]
        or (not reading.signal and seen.top[0] == Category.OPT_OUT.value)
    )
    suggested = [
        f"model: may be asking to stop the texts ({seen.opt_out:.2f}): a person should confirm"
    ] * suggestion
    top, confidence = seen.top
    category, callback, said = found.category, found.callback, list(found.reasons)

    if not readable:
        # A person reads it, unless it is a letter or two ("はい", a stray syllable).
        callback = _letters(text) >= 3
        said = [_unread(language)] if callback else ["no signal a rule recognises"]
    elif reading.signal and category in CALLBACK:
        pass  # the rules recognised something a person must see: the model adds nothing
    elif foreign and not reading.signal:
        if confidence >= limits["category_other"] and top != Category.CRISIS.value:
            category = Category(top)
            callback = category in CALLBACK
            said = [f"model: likely {_name(category)} ({confidence:.2f})"]
        else:
            category, callback, said = Category.OTHER, True, [UNCLEAR]
    elif not reading.signal:
        if confidence >= limits["category"] and top != Category.CRISIS.value:
            category = Category(top)
            callback = category in CALLBACK
            said = [f"model: likely {_name(category)} ({confidence:.2f})" + _evidence(seen, top)]
        elif _has_content(text):
            category, callback, said = Category.OTHER, True, [UNCLEAR]
        else:
            said = ["no signal a rule recognises"]
    elif found.opt_out and top in _RAISABLE and confidence >= limits["raise"]:
        # "东西被偷什么都没做 ... 别再发了", "waste of my time. quit texting me": the texts stop,
        # and a person hears the complaint
        category, callback = Category(top), True
        said = [f"model: likely {_name(category)} ({confidence:.2f})", *said]
    elif (
        not found.opt_out
        and top in _RAISABLE
        and not (top in _COMPLAINTS and _DENIED.search(fold(text)))
        and confidence >= limits["raise"]
        and SERIOUSNESS.index(Category(top)) < _rank(category)
    ):
        category, callback = Category(top), True
        said = [f"model: likely {_name(category)} ({confidence:.2f})", *said]

    if foreign and readable:
        callback = True if category == Category.OTHER else callback
    callback = callback or suggestion
    return result(
        category,
        language,
        found.rating,
        [*said, *suggested, *interpreter],
        opt_out=found.opt_out,
        callback=callback,
        urgent=False,
        suggested_opt_out=suggestion,
    )


_RAISABLE = frozenset(c.value for c in CALLBACK if c != Category.CRISIS)
_COMPLAINTS = frozenset({Category.NEGATIVE.value, Category.CONDUCT.value})
# "nobody was rude, it was fine": the complaint's words, denied.
_DENIED = re.compile(
    r"(?:nobody|no one|none of (?:them|the officers|the deputies)) (?:was|were) (?:rude|mean|"
    r"disrespectful|unprofessional|racist)|(?:was|were) not (?:rude|mean|disrespectful|"
    r"unprofessional|racist)|nadie fue (?:grosero|grosera|grosero conmigo)|no fue(?:ron)? "
    r"groser[oa]s?"
)


def _rank(category: Category) -> int:
    return SERIOUSNESS.index(category) if category in SERIOUSNESS else len(SERIOUSNESS)


def _over(text: str, crisis: float, limits: dict[str, float]) -> bool:
    """The reply says the danger is over ("I'm safe now", "he's in jail"): the model must be
    surer before it calls it danger now."""
    if crisis >= limits.get("crisis_over", 0.9):
        return False
    folded = fold(text)
    said = rules.SAFE_NOW.search(folded) or safe_now.says(text)
    return bool(said) and not rules.DANGER_NOW_AGAIN.search(folded)


def _name(category: Category) -> str:
    return {
        "wrong_number": "a wrong number",
        "opt_out": "a request to stop the texts",
        "opt_in": "a request to get the texts again",
        "help": "a request for help with the texts",
        "other": "nothing to act on",
    }.get(category.value, category.value)


def _evidence(seen: models.Prediction, top: str | None = None) -> str:
    words = seen.evidence if top in (None, Category.CRISIS.value) else ()
    return f": {', '.join(words)}" if words else ""


def _says_something(text: str) -> bool:
    """More than function words and single letters ("y", "he", "is"): alone, such a reply
    carries nothing the model could call danger (its weights for them come from long replies)."""
    return any(
        word not in models.FUNCTION_WORDS and not (len(word) == 1 and word.isascii())
        for word in models.words(models.normalise(text))
    )


def _has_content(text: str) -> bool:
    """More than an emoji, a letter or two, or a number: words a person could read. A script
    whose vowels are combining marks (Burmese, Khmer, the Indic scripts) counts its marks as
    letters: split at each mark, a Burmese sentence looked like single letters and reached
    nobody."""
    if len(_WORD.findall(text)) >= 2:
        return True
    folded = "".join("a" if unicodedata.category(c)[0] == "M" else c for c in text)
    return len(_WORD.findall(folded)) >= 2


def _letters(text: str) -> int:
    """How many letters (and the vowel marks some scripts write them with) ``text`` holds."""
    return sum(unicodedata.category(c)[0] in "LM" for c in text)


def _unread(language: str) -> str:
    return (
        f"written in a language the service does not read ({languages.name_of(language)}):"
        " a person must"
    )


def _with(found: TriageResult, reasons: list[str], **changes) -> TriageResult:
    return result(
        found.category,
        found.language,
        found.rating,
        [*found.reasons, *reasons],
        opt_out=found.opt_out,
        callback=changes.get("callback", found.callback),
        urgent=found.urgent,
        suggested_opt_out=found.suggested_opt_out,
    )


__all__ = ["Category", "TriageResult", "triage", "triage_by_rules", "CALLBACK", "SERIOUSNESS"]
