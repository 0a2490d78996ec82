"""Praise in a positive reply: which of the call's people it names, kept with the call's ids.

Only a reply triage reads as positive is read here: a name in a complaint ("Officer Diaz was
rude") is not a commendation. Within a positive reply:

* the call's officer is named by surname ("Diaz was great"), full name, a title and any of
  their names ("Officer Maria"), or their id or badge number ("badge 4471");
* the call's unit by its call sign ("2A14", "unit 2A14"; a unit that is only digits needs
  "unit", "car" or "#" before it, so "12 minutes" is not unit 12);
* the dispatcher who took the call (the call-taker) by name, or by role ("the dispatcher",
  "the 911 operator", "the lady on the phone");
* anyone else by a title ("Officer Lopez", "unit 7", "badge 88") is kept as ``named``: praise
  for someone the call does not record (a backup officer, or a CAD that sends no officer).

Each commendation copies the call's officer id, officer name, unit and call-taker, so it keeps
who was on the call even if a later event changes the call.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from followup.models import Call, Commendation, CommendedRole

_commendations = Commendation.__table__

# Someone named by a title, a unit or a badge, whoever they are.
TITLED = re.compile(
    r"\b(?:(?:officer|ofc|deputy|sgt|sergeant|detective|det|cpl|corporal|trooper|lieutenant|lt|"
    r"oficial|agente)\.? (?-i:[A-Z])[a-zA-Z'-]+|(?:unit|unidad|car) #?\d+[A-Za-z]?|badge #?\d+)",
    re.IGNORECASE,
)
# Words before a name that say who the person is (not part of their name).
_TITLE_WORDS = tuple(
    "officer ofc off deputy dep sgt sergeant detective det cpl corporal trooper lieutenant lt "
    "captain capt agent agente oficial dispatcher operator operador operadora despachador "
    "despachadora".split()
)
_TITLES = "|".join(_TITLE_WORDS)
_NOT_NAMES = frozenset(_TITLE_WORDS) | {"po", "pfc", "cpo", "mr", "mrs", "ms", "miss"}
_CALL_TAKER_ROLE = re.compile(
    r"\b(?:dispatchers?|call[- ]?takers?|(?:911 )?operators?|"
    r"(?:lady|woman|man|guy|gentleman|person|girl|gal) (?:on the (?:phone|line)|who "
    r"(?:answered|picked up|took (?:my|the) call))|operador(?:a|es|as)?|"
    r"despachador(?:a|es|as)?|telefonistas?)\b",
    re.IGNORECASE,
)
_UNIT_PREFIX = r"(?:unit|unidad|car|#)\s*#?\s*"


@dataclass(frozen=True)
class Praise:
    role: CommendedRole
    named: str  # the reply's own words


def _fold(text: str) -> str:
    """``text`` without accents, one character for one (so a match's span fits the original)."""
    return "".join(unicodedata.normalize("NFD", c)[0] for c in text)


def _names(full_name: str | None) -> tuple[list[str], str | None]:
    """A person's names without titles or initials, and their surname (the last name)."""
    words = [w for w in re.split(r"[^\w'-]+", _fold(full_name or "")) if w]
    names = [w for w in words if w.lower().strip(".") not in _NOT_NAMES and not w.isdigit()]
    names = [w for w in names if len(w) > 1]
    return names, (names[-1] if names else None)


def _person(text: str, folded: str, full_name: str | None, person_id: str | None) -> str | None:
    """The words of ``text`` naming this person, or None."""
    names, surname = _names(full_name)
    patterns = []
    if names:
        any_name = "|".join(re.escape(n) for n in names)
        full = r"\s+".join(re.escape(n) for n in names)
        patterns.append(rf"\b{full}\b")  # the full name
        patterns.append(rf"\b(?:{_TITLES})\.?\s+(?:{any_name})\b")  # a title and a name
        patterns.append(rf"\b{re.escape(surname)}\b")
    if person_id and len(person_id) >= 3:
        number = re.escape(_fold(person_id))
        patterns.append(rf"(?<![\w-])(?:(?:badge|id)\s*#?\s*|#)?{number}(?![\w-])")
    for pattern in patterns:
        found = re.search(pattern, folded, re.IGNORECASE)
        if found:
            return text[found.start() : found.end()]
    return None


def _unit(text: str, folded: str, unit: str | None) -> str | None:
    core = re.sub(rf"^{_UNIT_PREFIX}", "", _fold(unit or "").strip(), flags=re.IGNORECASE)
    if len(core) < 2:
        return None
    prefix = _UNIT_PREFIX if core.isdigit() else rf"(?:{_UNIT_PREFIX})?"
    found = re.search(rf"(?<![\w-]){prefix}{re.escape(core)}(?![\w-])", folded, re.IGNORECASE)
    return text[found.start() : found.end()] if found else None


def praised(text: str, call: Call | None) -> list[Praise]:
    """Who a positive reply about ``call`` (a ``Call``, or the inbound path's row of it)
    praises, at most one per role."""
    folded = _fold(text)
    found: list[Praise] = []
    if call is not None:
        officer = _person(text, folded, call.officer_name, call.officer_id)
        unit = _unit(text, folded, call.unit)
        taker = _person(text, folded, call.call_taker_name, call.call_taker_id)
        role_words = _CALL_TAKER_ROLE.search(text)
        taker = taker or (role_words.group(0) if role_words else None)
        for role, words in (
            (CommendedRole.OFFICER, officer),
            (CommendedRole.UNIT, unit),
            (CommendedRole.CALL_TAKER, taker),
        ):
            if words:
                found.append(Praise(role, words))
    titled = TITLED.search(text)
    if titled and not any(titled.group(0) in p.named or p.named in titled.group(0) for p in found):
        found.append(Praise(CommendedRole.NAMED, titled.group(0)))
    return found


def words(body: str, found: list[Praise]) -> str | None:
    """The words of ``body`` that name those praised, in the reply's order ("Diaz, unit 2A15"),
    or None: the text's ``commendation``."""
    named = sorted({p.named for p in found}, key=body.find)
    return ", ".join(named)[:200] or None


def record(
    connection: Connection,
    found: list[Praise],
    call,
    *,
    agency_id: int,
    message_id: int,
    now: datetime,
) -> None:
    """Keep the commendations ``found`` in the stored text ``message_id`` about ``call`` (a
    ``Call``, or the inbound path's row of it; none without a call: an unsolicited text is
    about no call), in one INSERT, with the call's people as they are now."""
    if call is None or not found:
        return
    connection.execute(
        _commendations.insert(),
        [
            {
                "agency_id": agency_id,
                "message_id": message_id,
                "call_id": call.id,
                "role": praise.role,
                "named": praise.named[:200],
                "officer_id": call.officer_id,
                "officer_name": call.officer_name,
                "unit": call.unit,
                "call_taker_id": call.call_taker_id,
                "call_taker_name": call.call_taker_name,
                "created_at": now,
            }
            for praise in found
        ],
    )
