"""Sensitive call types: the calls that must never get an automated text.

A check-in text can tell an abuser that the victim called, reach a family on the day of a death,
or land on the phone of the person the police came for. Agencies write call types in many ways
(`SIMPLE BATTERY DOMESTIC`, `--DV - ARGUMENTS, DISTURBANCE`, `DV A/B I/P`, `114D_Family Physical`,
`46 - CIT`, `911/NO VOICE`, `WNTD WRRNT FELONY`), so labels are cut into words and codes and
matched against words, stems and the abbreviations dispatchers use, never whole strings.

When in doubt the list errs towards skipping: a missed check-in costs a survey answer; a wrong
one can cost a life. An agency adds its own codes and patterns on top (`Agency.sensitive_patterns`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import re2

# Each group: (name, patterns). A pattern is a regex over the normalised label (upper case,
# words and codes separated by single spaces); it is anchored at word boundaries for you.
# A pattern may carry exceptions: `(pattern, unless)` skips the match when `unless` is present.
# fmt: off
_GROUPS: dict[str, list[str | tuple[str, str]]] = {
    "domestic": [
        r"DOMESTIC\w*", r"DOMES", r"DOM", r"DOMS?TC", r"DMSTC", r"DV\w{0,3}", r"IPV",
        r"FAMILY", r"FAMIL\w*", r"DATING VIOL\w*", r"INJUNCTION\w*",
        r"PO (?:SERV\w*|VIOL\w*|VIO)",
        r"PERSONAL EFFECTS", r"PREVENT BREACH", r"50B", r"50C",
        r"RETRIEVE (?:PERSONAL )?(?:PROPERTY|BELONGINGS|ITEMS)", r"FAM",
        r"FAM DIST\w*", r"SPOUS\w*", r"INTIMATE PARTNER",
        r"(?:PROT\w*|RESTR\w*|NO CONTACT|STAY AWAY|PROTECTION FROM ABUSE|COURT) (?:ORDERS?|ORDR?)",
        r"ORDER (?:OF )?PROTECTION", r"(?:ORDERS?|ORDR?) VIOL\w*",
        r"VIOL\w* (?:OF )?(?:A )?(?:COURT |PROT\w* |RESTR\w* |NO CONTACT )?(?:ORDERS?|ORDR?)",
        r"TRO", r"TPO", r"EPO", r"PFA", r"OFP", r"VPO", r"VRO", r"DVO", r"DVRO", r"FRO",
        r"EXPART\w*", r"EX PARTE", r"(?:KEEP\w*|PRESERVE) THE PEACE",
        r"(?:CIVIL|CITIZEN|PROPERTY) STAND ?BY", r"STANDBY (?:FOR )?(?:PROPERTY|BELONGINGS)",
        (r"CUSTOD\w*", r"SHOPLIFT\w*|THEFT|LARCENY|RETAIL|STORE|MERCHANT"),
        r"243E\w*", r"273\.5\w*", r"273\.6\w*",
    ],
    "sexual": [
        r"SEX\w*", r"RAPE\w*", r"RAPIST", r"SODOM\w*", r"MOLEST\w*", r"FONDL\w*", r"INCEST",
        r"INDECEN\w*", r"LEWD\w*", r"FLASHER", r"PEEP\w*", r"PEEPING TOM",
        r"VOYEUR\w*", r"OBSCEN\w*", r"PROSTITU\w*", r"PROST", r"PANDER\w*", r"PIMP\w*",
        r"SOLICIT\w* (?:FOR )?(?:PROST\w*|SEX\w*)", r"VICE", r"PORN\w*", r"CSAM", r"ICAC",
        r"LURING", r"ENTIC\w*", r"SOR", r"SA", r"SXL", r"CSC", r"CARNAL\w*", r"STATUTORY",
        r"REGISTRANT\w*", r"(?:DRUG|OFFENDER|SEX|FELON\w*|GUN) REGISTR\w*", r"MEGAN\w* LAW",
        (r"EXPOS\w*",
         r"HEAT|COLD|BRUSH|BOAT|FIRE|STRUCTURE\w*|HAZ\w*|CHEM\w*|CARBON|RADIATION|SMOKE|GAS|F"
         r"|WEATHER|VEH\w*"),
        r"NUDE\w*", r"NAKED", r"MORALS?", r"261\w*", r"288\w*", r"290\w*", r"314\w*", r"647\.6",
        r"647B",
    ],
    "child_abuse": [
        (r"CHILD(?:REN|RENS|S)?", r"SEAT\w*"), r"CHLD", r"CHIL", r"KIDS?", r"INFANT\w*", r"DSS",
        r"DHS",
        r"SOCIAL SERV\w*",
        r"NEWBORN", r"BABY", r"TODDLER",
        r"NEGLECT\w*", r"CPS", r"DCFS", r"DFCS", r"DCF", r"DCYF", r"SAFE HAVEN", r"273A\w*",
        r"273D\w*",
        (r"ABUS\w*",
         r"ANIMAL|DOG|CAT|HORSE|DRUG|SUBSTANCE|911|ALARM|LINE|PHONE|SYSTEM|HARASS\w*|VERBAL"),
        r"ENDANGER\w* (?:CHILD|MINOR|JUV\w*)",
    ],
    "juvenile": [
        r"JUV\w*", r"JUVENILE\w*", r"JUVS?", r"TRUAN\w*", r"CURFEW", r"RUNWY", r"RNWY", r"RUNAWY",
        (r"RUNAWAY\w*|RUN AWAY", r"VEH\w*|CAR|CARS|TRUCK\w*|TRAILER\w*|BOAT\w*|HORSE\w*|LIVESTOCK"),
        r"MINOR IN POSS\w*", r"MIP", r"UNDERAGE", r"UNDER AGE", r"DELINQ\w*", r"UNDER 21",
        r"(?:TO|BY|FOR) (?:A )?MINORS?", r"MINORS? (?:IN|WITH) (?:POSS\w*|ALCOHOL|TOBACCO)",
        (
            r"MINORS?",
            r"ACC\w*|INJ\w*|MV\w*|CRASH\w*|COLLI\w*|TRAF\w*|TFC|DAMAGE|WRECK\w*|FIRE|BURN\w*"
            r"|PI|PD|VEH\w*|MED\w*|BLEED\w*|CUTS?|LACERATION\w*|INCIDENT|OFFENSE|VIOL\w*"
            r"|1050|10 50",
        ),
        r"YOUTH\w*", r"TEEN\w*", r"UNGOVERNABLE", r"INCORRIGIBLE", r"CHINS",
        r"PINS", r"601", r"5585\w*",
    ],
    "missing": [
        (r"MISSING\w*", r"PROPERTY|PLATE|PLATES|TAG|TAGS|ITEM|ITEMS|MAIL|PACKAGE|VEHICLE|CAR"),
        r"MISS PERS?\w*", r"MISPER\w*", r"MSNG\w*", r"MISS\w? PER\w*", r"MP", r"LOST PERS\w*",
        r"FOUND PERS\w*", r"LOST (?:ADULT|JUV\w*|CHILD|SENIOR|ELDERLY)", r"SENILE",
        r"WALK ?AWAY\w*", r"TO LOCATE", r"ATL", r"LIFESAVER",
        r"LOCATE (?:A )?(?:PERSON|SUBJ\w*|PARTY|JUV\w*|ADULT|CHILD)", r"SLVR\w*",
        r"FOUND (?:ADULT|JUV\w*|CHILD|SENIOR|ELDERLY)", r"AT RISK", r"ENDANGERED",
        r"AMBER\w*", r"SILVER ALERT", r"ALZHEIMER\w*", r"DEMENTIA", r"WANDER\w*", r"ELOPE\w*",
        r"AWOL",
    ],
    "kidnap": [
        r"KIDNAP\w*", r"ABDUCT\w*", r"HOSTAGE\w*", r"CUSTODIAL INTERF\w*",
        (r"BARRICAD\w*", r"ERECT\w*|STREET|ROAD\w*|HAZARD|DOWN|DAMAGED|MISSING|MOVED"),
        r"UNLAWFUL RESTRAINT", r"FALSE IMPRISON\w*",
        r"CHILD STEAL\w*", r"207\w*", r"209\w*",
    ],
    "death": [
        r"DOA", r"DEAD\w*", r"DEATH\w*", r"FATAL\w*", r"EXAMINER", r"DECEASED",
        r"DECEDENT", r"DECD", r"DB", r"DBODY",
        r"BODY", r"REMAINS", r"SKELET\w*", r"CORPSE", r"HOMICID\w*", r"HOM", r"MURDER\w*",
        r"MANSLAUGHTER", r"CORONER", r"MEDICAL EXAMINER", r"ME CASE",
        r"UNATTENDED (?:DEATH|DOA|BODY)", (r"NOTIF(?:ICATION|CATION|Y)\w*|NOTFI\w*",
        r"ALARM\w*|ALRM|UTILIT\w*"),
        r"NEXT OF KIN", r"NOK", r"(?:MESSAGE|MSG) DELIVERY", r"DELIVER (?:A )?(?:MESSAGE|MSG)",
        r"(?:EMERG\w*|PERSONAL|DEATH) (?:MESSAGE|MSG)\w*", r"187\w*", r"SIG(?:NAL)? 7",
        r"CODE 7",
    ],
    "mental_health": [
        r"SUIC\w*", r"SUI", r"SUICIDE\w*", r"SELF HARM\w*", r"SELF INFLICT\w*", r"JUMPER\w*",
        r"CIT", (r"MENTAL\w*", r"STATUS"), r"MENT", r"MNTL\w*", r"PSYCH\w*", r"PSY", r"EDP\w*",
        r"EMOTION\w*",
        (r"CRISIS|CRISES", r"WEATHER|HAZMAT|UTILIT\w*"), r"DISORIENT\w*", r"CAHOOTS",
        r"72 ?(?:HOUR|HR) HOLD", r"DETOX\w*",
        r"BEHAV\w* (?:HEALTH|CRISIS|EMERG\w*|DISORDER\w*|PROB\w*)",
        r"(?:ABNORMAL|BIZARRE|ERRATIC|STRANGE|UNUSUAL) BEHAV\w*", r"BH", r"TARASOFF",
        r"T?ERPO", r"GVRO", r"RED FLAG", r"MH", r"MHP", r"MCT",
        r"BAKER ACT", r"BAKER", r"MARCHMAN\w*", r"5150\w*", r"ECO", r"TDO", r"INVOLUNTARY\w*",
        r"INVOL COMMIT\w*",
        r"COMMITMENT", r"DISTURBED", r"IRRATIONAL", r"DEPRESS\w*", r"10 ?56\w*", r"10 ?96",
    ],
    "overdose": [
        r"OVERDOS\w*", r"OVER DOSE", r"OD", r"ODS", r"NARCAN", r"NALOXONE", r"INGEST\w*",
        (r"POISON\w*", r"CARBON|MONOXIDE|CO|GAS|FOOD|ANIMAL\w*|DOGS?|CATS?"),
    ],
    "welfare": [
        r"WELF\w*", r"WELFARE\w*", r"WELL BEING", r"WELLBEING", r"WELLNESS", r"WELL ?CHECK\w*",
        r"CHECK (?:ON|THE) (?:WELF\w*|PERSON|SUBJ\w*|RESIDENT|OCCUPANT|PARTY)", r"CK WELF\w*",
        r"CHK WELF\w*", r"WC", r"WLFR", r"WBC",
    ],
    "stalking": [r"STALK\w*", r"646\.9"],
    "trafficking": [
        (r"TRAFFICK\w*", r"DRUG\w*|NARC\w*|GUN\w*|WEAPON\w*"),
        r"HUMAN TRAF\w*", r"HT", r"SEX TRAF\w*",
    ],
    "elder_abuse": [
        r"ELDER\w*", r"SENIOR ABUSE", r"VULNERABLE\w*", r"VULN ADULT", r"ADULT ABUS\w*",
        r"DEPENDENT ADULT", r"ADULT PROTECT\w*", r"APS", r"ADULT NEGLECT",
    ],
    "silent_911": [
        (
            r"911\w*",
            r"ALARM|NUISANCE|HARASS\w*|REPEAT|TRANSF\w*",
        ),
        r"E911", r"HANG ?UPS?", r"HANGUP\w*", r"HU", r"HUP", r"HNGUP", r"ABANDON\w* (?:CALL|LINE)",
        r"ABAN\w* 911", r"OPEN LINE\w*", r"OPENLINE", r"OPEN MIC", r"NO VOICE", r"MISDIAL\w*",
        (r"SILENT\w*", r"ALARM\w*|ALRM"), (r"DISCONNECT\w*", r"ALARM\w*|ALRM|UTILIT\w*"),
        r"PHONE DROP\w*", r"CALL DROP\w*", r"INCOMPLETE (?:PHONE |911 )?CALL\w*",
        r"UNKN?\w*(?: \w+)* EMERG\w* CALL\w*", r"UNKN?\w* TROUBLE", r"RING ?BACK",
        (r"ABANDON\w*", r"VEH\w*|AUTO\w*|CARS?|BIKE\w*|BICYCLE\w*|PROPERTY|BLDG|BUILDING\w*"
         r"|HOUSE|STRUCTURE\w*|STOLEN|ANIMAL\w*|DOGS?|CATS?|BOAT\w*|TRAILER\w*|ITEMS?|BAGS?|PACKAGE\w*"
         r"|REFRIG\w*|APPLIANCE\w*|TIRES?|AV|SHOPPING|CART\w*|FURNITURE|JUNK|MATTRESS\w*"),
    ],
    "subject": [
        r"WARRANT\w*", r"WARR\w*", r"WRNT\w*", r"WRRNT\w*", r"WRT", r"WNTD", r"WANTED",
        r"FUGITIVE\w*", r"EXTRADIT\w*", r"PRISONER\w*", r"PRISONR", r"PRIS", r"INMATE\w*",
        r"DETAINEE\w*", r"ESCAPE\w*", r"ESC", r"PURSUIT\w*", r"RESIST\w*",
        (r"ARREST\w*", r"CARD\w*|RESP\w*|CODE BLUE|CPR|HEART|EMS"),
        r"ATTACHMENT\w*", r"BAIL ?OUT\w*", r"PORT RUNNER\w*", r"10 ?15", r"JAIL\w*",
        (r"TRANSPORTS?",
         r"EMS|AMBULANCE|MED\w*|PATIENT|HOSPICE|CONVALESC\w*|NURSING|ANIMAL\w*|SHELTER"),
        r"FALSE INFO\w*", r"HOME VISIT", r"SWAT", r"GUARD DUTY", r"BREATHAL\w*",
        r"BREATH TEST\w*", r"INTOXILYZER",
        r"PURS", r"CHASE", r"FLEE\w*", r"FLEEING", r"ELUDING", r"PAROL\w*", r"PROBATION\w*",
        r"ANKLE MONITOR", r"ELECTRONIC MONITOR\w*", r"HOUSE ARREST", r"BOOKING",
    ],
}
# fmt: on


@dataclass(frozen=True)
class SensitiveMatch:
    """Why a call type counts as sensitive: the group and the words that matched."""

    group: str
    matched: str


class _Matcher:
    def __init__(self, group: str, pattern: str, unless: str | None = None):
        self.group = group
        self.regex = re.compile(rf"(?<![A-Z0-9.])(?:{pattern})(?![A-Z0-9])")
        self.unless = re.compile(rf"(?<![A-Z0-9.])(?:{unless})(?![A-Z0-9])") if unless else None

    def search(self, label: str, normalised: str) -> SensitiveMatch | None:
        found = self.regex.search(normalised)
        if found is None or (self.unless is not None and self.unless.search(normalised)):
            return None
        return SensitiveMatch(self.group, found.group(0))


# An agency's own regular expressions run on RE2: linear time whatever the pattern, so a
# pattern like ^(a+)+$ cannot stall a worker (Python's re backtracks exponentially on it).
_AGENCY_RE2 = re2.Options()
_AGENCY_RE2.case_sensitive = False
_AGENCY_RE2.log_errors = False  # a refused pattern is reported to the admin, not to stderr
_AGENCY_RE2.max_mem = 8 << 20
MAX_LABEL = 200  # the longest label matched (the intake API's limit for a call type)


class _AgencyRegex:
    """An agency's own regular expression, matched case-insensitively against the raw label."""

    group = "agency"

    def __init__(self, pattern: str):
        self.regex = re2.compile(pattern, options=_AGENCY_RE2)

    def search(self, label: str, normalised: str) -> SensitiveMatch | None:
        found = self.regex.search(label[:MAX_LABEL])
        return SensitiveMatch(self.group, found.group(0)) if found else None


class _Unusable:
    """An agency pattern RE2 cannot run: it matches every label, so nothing is texted unasked."""

    group = "agency"

    def __init__(self, pattern: str):
        self.pattern = pattern

    def search(self, label: str, normalised: str) -> SensitiveMatch | None:
        return SensitiveMatch(self.group, "a pattern that cannot run: fix it on the rules page")


def _build(groups: dict[str, list[str | tuple[str, str]]]) -> list[_Matcher]:
    matchers = []
    for group, patterns in groups.items():
        plain = [p for p in patterns if isinstance(p, str)]
        # One alternation per group keeps matching fast on large imports.
        matchers.append(_Matcher(group, "|".join(f"(?:{p})" for p in plain)))
        matchers.extend(_Matcher(group, *p) for p in patterns if isinstance(p, tuple))
    return matchers


_DEFAULT_MATCHERS = _build(_GROUPS)
# Stems unmistakable even glued to a code letter (`ASUICI` = attempted suicide, `TSUICI`).
_GLUED_STEMS = re.compile(r"SUICI|DOMESTIC|KIDNAP|HOMICID|MOLEST|OVERDOS")
_LETTER_SLASH_LETTER = re.compile(r"(?<![A-Z0-9])([A-Z])/([A-Z])(?![A-Z0-9])")
_TOKENS = re.compile(r"\d+\.\d+[A-Z]*|[A-Z0-9]+")
_LETTERS_THEN_DIGITS = re.compile(r"(?<=[A-Z])(?=\d)")
_NINE_ONE_ONE = re.compile(r"(?<!\d)9[-. ]1[-. ]1(?!\d)")


def normalise(label: str) -> str:
    """Return ``label`` as upper-case words and codes separated by single spaces.

    ``D/V`` and ``O/D`` become ``DV`` and ``OD`` (one letter each side of a slash is one
    abbreviation); ``273.5`` keeps its dot; codes such as ``C11B`` stay whole; everything else
    that is not a letter or digit separates words, so ``114D_Family`` reads as ``114D FAMILY``.
    """
    upper = label.upper()
    upper = _LETTER_SLASH_LETTER.sub(r"\1\2", upper)
    upper = _NINE_ONE_ONE.sub("911", upper)
    return " ".join(_TOKENS.findall(upper))


def compile_agency_patterns(
    patterns: Iterable[str],
) -> list[_Matcher | _AgencyRegex | _Unusable]:
    """Compile an agency's own additions: words and phrases, or ``re:`` followed by a regex.

    Words and phrases are read like labels (``10-16`` matches ``10-16 PHYSICAL`` but not
    ``10-166``); a regex is applied, case-insensitively, to the label exactly as sent.
    """
    matchers: list[_Matcher | _AgencyRegex | _Unusable] = []
    for raw in patterns:
        text = raw.strip()
        if not text:
            continue
        if text.lower().startswith("re:"):
            try:
                matchers.append(_AgencyRegex(text[3:].strip()))
            except re2.error:
                # Saved before patterns ran on RE2 (the rules page refuses such a pattern now).
                # Fail closed: a pattern that cannot run skips every call, visibly, until fixed.
                matchers.append(_Unusable(text))
        else:
            words = normalise(text)
            if words:
                matchers.append(_Matcher("agency", re.escape(words)))
    return matchers


def validate_agency_pattern(raw: str) -> str | None:
    """Return an error message for a pattern an agency typed, or None when it is usable."""
    text = raw.strip()
    if not text:
        return "empty pattern"
    if text.lower().startswith("re:"):
        try:
            re2.compile(text[3:].strip(), options=_AGENCY_RE2)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
            return f"not a regular expression this service can run (RE2 syntax): {reason}"
        return None
    return None if normalise(text) else "the pattern has no letters or digits"


def match_sensitive(label: str, extra: Iterable[str] = ()) -> SensitiveMatch | None:
    """Return why ``label`` is a sensitive call type, or None if it is not."""
    label = label[:MAX_LABEL]
    normalised = normalise(label)
    if not normalised:
        return None
    # Codes glue words to numbers both ways (`C11B`, `INCW911`): read the label as written and
    # with letters split from the digits that follow them, and match either reading.
    split = _LETTERS_THEN_DIGITS.sub(" ", normalised)
    readings = (normalised,) if split == normalised else (normalised, split)
    for matcher in (*compile_agency_patterns(extra), *_DEFAULT_MATCHERS):
        for reading in readings:
            found = matcher.search(label, reading)
            if found:
                return found
    glued = _GLUED_STEMS.search(normalised)
    return SensitiveMatch("glued_stem", glued.group(0)) if glued else None


def matches_any(text: str | None, phrases: Iterable[str]) -> str | None:
    """Return the first of ``phrases`` found as whole words in ``text`` (for dispositions)."""
    if not text:
        return None
    normalised = f" {normalise(text)} "
    for phrase in phrases:
        words = normalise(phrase)
        if words and f" {words} " in normalised:
            return phrase
    return None
