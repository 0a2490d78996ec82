"""What a reply says, as triage reads it: a plain enum, so triage needs no database code."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What a reply says, as triage reads it (``followup.replies.triage``)."""

    POSITIVE = "positive"  # thanks, praise, a 4-5 rating
    NEUTRAL = "neutral"  # an acknowledgement, a 3
    UNRESOLVED = "unresolved"  # the problem continues, nobody came, a promise not kept
    NEGATIVE = "negative"  # unhappy with the service: slow, rude, dismissive, a 1-2 rating
    CONDUCT = "conduct"  # an allegation of officer misconduct
    CRISIS = "crisis"  # danger now: threats, violence, an intruder, self-harm, a missing child
    OPT_OUT = "opt_out"  # asks to stop the texts
    OPT_IN = "opt_in"  # START, UNSTOP
    HELP = "help"  # HELP, INFO
    QUESTION = "question"  # asks for a case number, report, detective, property, court, a call
    WRONG_NUMBER = "wrong_number"  # the text reached someone who did not call
    OTHER = "other"  # no signal, or a language the service cannot read
