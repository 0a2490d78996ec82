"""Propose what to remove from a reply before it is published: names, numbers, addresses,
licence plates and e-mail addresses.

A proposal, never a decision: a commander reads every comment before it is published and edits
the text as needed. So the rules lean towards removing too much (a place name taken for a
person's is easy to put back; a name left in is published). English and Spanish.

- names: after a title ("Officer Diaz" -> "Officer [name]"), an introduction ("my name is"),
  a relation ("my neighbor Sam"); a capitalised word inside a sentence that is not a common
  word; a common first name anywhere (capitalised).
- numbers: phone numbers (as ``core.phones`` finds them), any other run of four or more digits
  (case numbers, house numbers) except a year.
- addresses: a number and a street ("1200 N Main St", "calle Flores 12"), a street by name
  ("on Elm Street"), an apartment or unit.
- plates: a letters-and-digits token after "plate", "tag", "placa"; an upper-case token of
  letters and digits (5-8 characters, at least two digits).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import phonenumbers

from followup.core.phones import PHONE
from followup.reports import redaction_words as words

MARKERS = {
    "en": {"name": "[name]", "number": "[number]", "address": "[address]", "plate": "[plate]",
           "email": "[email]"},
    "es": {"name": "[nombre]", "number": "[número]", "address": "[dirección]",
           "plate": "[placa]", "email": "[correo]"},
}
MARKERS["en"]["phone"], MARKERS["es"]["phone"] = MARKERS["en"]["number"], MARKERS["es"]["number"]
# When two findings overlap, the earlier kind here wins (then the longer one).
PRIORITY = ("email", "phone", "address", "plate", "number", "name")

_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’.-]*"
_NAME = r"[A-ZÀ-ÖØ-Þ][\w'’-]*"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"(?<![\w/])\d(?:[.-]?\d){3,}(?![\w/])")
_YEAR = re.compile(r"(?:19|20)\d\d")
_STREET_NUMBERED = re.compile(
    rf"\b\d{{1,6}}[a-z]?\s+(?:[NSEW]\.?\s+)?(?:{_WORD}\s+){{0,3}}?(?:{words.STREET_SUFFIXES})\b\.?",
    re.IGNORECASE,
)
_STREET_NAMED = re.compile(
    rf"\b(?:{_NAME}\s+){{1,3}}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|"
    rf"Court|Ct|Way|Place|Terrace|Circle|Highway|Hwy|Parkway|Pkwy|Trail)\b\.?"
)
_STREET_SPANISH = re.compile(
    rf"\b(?:{words.SPANISH_STREETS})\s+(?:{_WORD}\s*){{1,3}}?(?:#\s*)?\d{{1,6}}\b"
    rf"|\b(?:{words.SPANISH_STREETS})\s+{_NAME}(?:\s+{_NAME}){{0,2}}",
    re.IGNORECASE,
)
_UNIT = re.compile(rf"(?:\b(?:{words.UNIT_WORDS})\.?|#)\s*\d+[a-z]?\b", re.IGNORECASE)
_PLATE_AFTER_WORD = re.compile(
    rf"\b(?:{words.PLATE_WORDS})\b(?:\s+(?:number|no\.?|#|is|was|de|es)){{0,2}}[\s:#]*"
    r"(?P<plate>(?=[A-Za-z0-9 -]*\d)[A-Za-z0-9]{1,4}[ -]?[A-Za-z0-9]{1,5})\b",
    re.IGNORECASE,
)
_PLATE_TOKEN = re.compile(r"\b(?=(?:[A-Z-]*\d){2})(?=[0-9-]*[A-Z])[A-Z0-9]{1,4}-?[A-Z0-9]{1,5}\b")
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    kind: str  # a key of MARKERS["en"]; "phone" is shown as a number


@dataclass(frozen=True)
class Proposal:
    original: str
    text: str  # the original with every finding replaced by its marker
    findings: tuple[Finding, ...]

    @property
    def kinds(self) -> Counter:
        return Counter(
            "number" if finding.kind == "phone" else finding.kind for finding in self.findings
        )


def propose(text: str, *, language: str | None = "en", region: str = "US",
            keep: tuple[str, ...] = ()) -> Proposal:
    """Find what identifies anyone in ``text`` and propose the text without it.

    ``keep``: words that are never a person's name here (the agency's own name)."""
    kept = words.NOT_NAMES | {w.lower() for w in keep}
    found = (
        _emails(text) + _numbers(text, region) + _addresses(text) + _plates(text)
        + _names(text, kept)
    )
    chosen = _joined(text, _without_overlaps(found))
    markers = MARKERS.get((language or "en")[:2], MARKERS["en"])
    out, at = [], 0
    for finding in chosen:
        out.append(text[at : finding.start])
        out.append(markers[finding.kind])
        at = finding.end
    out.append(text[at:])
    return Proposal(text, "".join(out), tuple(chosen))


def identifying(text: str, region: str = "US") -> list[str]:
    """The kinds of contact details still in ``text`` that must never be published (numbers
    that could be called, e-mail addresses): what approval refuses outright."""
    kinds = ["number" if f.kind == "phone" else f.kind
             for f in _emails(text) + _phones(text, region)]
    return sorted(set(kinds))


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    ranked = sorted(found, key=lambda f: (PRIORITY.index(f.kind), -(f.end - f.start), f.start))
    chosen: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= c.start or finding.start >= c.end for c in chosen):
            chosen.append(finding)
    return sorted(chosen, key=lambda f: f.start)


def _joined(text: str, chosen: list[Finding]) -> list[Finding]:
    """Neighbouring findings of one kind, apart by spaces or a comma, are one: "12 Oak St,
    apt 4" is one address."""
    joined: list[Finding] = []
    for finding in chosen:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.kind == finding.kind != "name"
            and not text[last.end : finding.start].strip(" ,")
        ):
            joined[-1] = Finding(last.start, finding.end, finding.kind)
        else:
            joined.append(finding)
    return joined


def _emails(text: str) -> list[Finding]:
    return [Finding(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]


def _phones(text: str, region: str) -> list[Finding]:
    found = [Finding(m.start(), m.end(), "phone") for m in PHONE.finditer(text)]
    for match in phonenumbers.PhoneNumberMatcher(
        text, region, leniency=phonenumbers.Leniency.POSSIBLE
    ):
        found.append(Finding(match.start, match.end, "phone"))
    return found


def _numbers(text: str, region: str) -> list[Finding]:
    found = _phones(text, region)
    for match in _DIGITS.finditer(text):
        if not _YEAR.fullmatch(match.group()):
            found.append(Finding(match.start(), match.end(), "number"))
    return found


def _addresses(text: str) -> list[Finding]:
    return [
        Finding(m.start(), m.end(), "address")
        for pattern in (_STREET_NUMBERED, _STREET_NAMED, _STREET_SPANISH, _UNIT)
        for m in pattern.finditer(text)
    ]


def _plates(text: str) -> list[Finding]:
    found = [
        Finding(m.start("plate"), m.end("plate"), "plate")
        for m in _PLATE_AFTER_WORD.finditer(text)
    ]
    found += [Finding(m.start(), m.end(), "plate") for m in _PLATE_TOKEN.finditer(text)]
    return found


# --- names ---------------------------------------------------------------------------------


def _tokens(text: str) -> list[re.Match]:
    return list(_TOKEN.finditer(text))


def _capitalised(token: str) -> bool:
    return token[:1].isupper() and not token.isupper()


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in ".!?¡¿:;\n\"“(" or before.endswith("...")


def _names(text: str, kept: frozenset[str]) -> list[Finding]:
    tokens = _tokens(text)
    lower = [t.group().lower().strip("'’.-") for t in tokens]
    flagged: set[int] = set()
    for i, token in enumerate(tokens):
        word = token.group()
        if lower[i] in kept or lower[i] in words.TITLES:
            continue
        if lower[i] in words.FIRST_NAMES and _capitalised(word):
            flagged.add(i)
        elif _capitalised(word) and not _sentence_start(text, token.start()):
            flagged.add(i)
    flagged |= _after_cues(text, tokens, lower, kept)
    return _merge(tokens, sorted(flagged), text)


def _after_cues(text: str, tokens: list[re.Match], lower: list[str],
                kept: frozenset[str]) -> set[int]:
    """Words that follow a title, an introduction or a relation: taken as a name when
    capitalised, or (after a title) when not a common word ("officer smith was great")."""
    flagged: set[int] = set()
    intro_words = [phrase.split() for phrase in words.INTRODUCTIONS]
    for i in range(len(tokens)):
        nxt = i + 1
        cue = None
        if lower[i] in words.TITLES:
            cue = "title"
        elif lower[i] in words.RELATIONS and i > 0 and lower[i - 1] in ("my", "mi", "our"):
            cue = "relation"
        else:
            for phrase in intro_words:
                end = i + len(phrase)
                if lower[i:end] == phrase:
                    cue, nxt = "introduction", end
                    break
        if cue is None or nxt >= len(tokens):
            continue
        if text[tokens[nxt - 1].end() : tokens[nxt].start()].strip(" ,") not in ("", "."):
            continue  # the next word is across punctuation: not this cue's name
        candidate, word = lower[nxt], tokens[nxt].group()
        if candidate in kept or candidate in words.TITLES:
            continue
        if _capitalised(word) or (cue == "title" and candidate not in _COMMON_AFTER_TITLE):
            flagged.add(nxt)
            if nxt + 1 < len(tokens) and _capitalised(tokens[nxt + 1].group()) and (
                lower[nxt + 1] not in kept
            ):
                flagged.add(nxt + 1)
    return flagged


# After "officer" these are not names: "the officer was", "officer who came".
_COMMON_AFTER_TITLE = frozenset(
    """was were is are who that which and or but came come arrived said told did didn't
    never never helped help took left of on in at to for from with by had has have
    y que fue vino llegó llego es era me nos le les muy""".split()
)


def _merge(tokens: list[re.Match], flagged: list[int], text: str) -> list[Finding]:
    """Adjacent flagged words are one name ("Maria Lopez" -> one [name])."""
    found: list[Finding] = []
    for i in flagged:
        start, end = tokens[i].start(), tokens[i].end()
        word = tokens[i].group()
        if word.endswith(("'s", "’s")):
            end -= 2  # "Diaz's car" -> "[name]'s car"
        if found and i - 1 in flagged and not text[found[-1].end : start].strip():
            found[-1] = Finding(found[-1].start, end, "name")
        else:
            found.append(Finding(start, end, "name"))
    return found
