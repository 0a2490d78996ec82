"""The sensitive call-type list: the calls that must never get an automated text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from followup.eligibility.sensitive import (
    explain,
    match_sensitive,
    normalise,
    validate_agency_pattern,
)

DATA = Path(__file__).parents[1] / "data"


def load(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.mark.parametrize(
    "label",
    [
        "SIMPLE BATTERY DOMESTIC",
        "--DV - ARGUMENTS, DISTURBANCE",
        "DV A/B I/P",
        "114D_Family Physical",
        "46 - CIT",
        "DOA",
        "911/NO VOICE",
        "WNTD WRRNT FELONY",
        "Violation of Protective Order",
        "SEXUAL ASSAULT",
        "rape",
        "Indecent Exposure",
        "PROSTITUTION",
        "SEX OFFENDER REGISTRATION",
        "CHILD ABUSE",
        "TRUANCY",
        "Curfew Violation",
        "RUNAWAY JUVENILE",
        "MISSING PERSON",
        "KIDNAPPING",
        "HOSTAGE SITUATION",
        "DEATH NOTIFICATION",
        "HOMICIDE",
        "SUICIDAL SUBJECT",
        "MENTAL HEALTH CRISIS",
        "OVERDOSE",
        "WELFARE CHECK",
        "STALKING",
        "HUMAN TRAFFICKING",
        "ELDER ABUSE",
        "911 HANG UP",
        "SILENT 911",
        "PRISONER TRANSPORT",
        "ESCAPEE",
        "VEHICLE PURSUIT",
    ],
)
def test_the_issue_examples_and_every_named_kind_are_sensitive(label):
    assert match_sensitive(label) is not None


@pytest.mark.parametrize(
    "label",
    [
        "THEFT",
        "BURGLARY - RESIDENTIAL",
        "THEFT-CAR PROWL",
        "VANDALISM",
        "ASSAULT",
        "ROBBERY - ARMED",
        "TRAFFIC - MVC - INJURY",
        "MVA MINOR INJURY",
        "NOISE COMPLAINT",
        "ALARM - SILENT",
        "SUSPICIOUS PERSON",
        "PARKING VIOLATION",
        "ANIMAL COMPLAINT",
        "ANIMAL ABUSE",
        "FRAUD",
        "ABANDONED VEHICLE",
        "RUNAWAY VEHICLE",
        "SHOPLIFTER IN CUSTODY",
        "ORDINANCE VIOLATION",
        "ACCIDENT - PEDESTRIAN INVOLVED",
        "DISTURBING THE PEACE",
    ],
)
def test_ordinary_calls_stay_eligible(label):
    assert match_sensitive(label) is None


def test_labels_are_read_as_words_and_codes():
    assert normalise("--DV - ARGUMENTS, DISTURBANCE") == "DV ARGUMENTS DISTURBANCE"
    assert normalise("DV A/B I/P") == "DV AB IP"
    assert normalise("114D_Family Physical") == "114D FAMILY PHYSICAL"
    assert normalise("273.5 PC") == "273.5 PC"
    assert normalise("911/NO  VOICE") == "911 NO VOICE"


def test_the_match_says_which_group_decided():
    found = match_sensitive("DV A/B I/P")

    assert found.group == "domestic"
    assert found.matched == "DV"


@pytest.mark.parametrize(
    "corpus", ["cad_call_types.tsv", "cad_call_types_holdout.tsv", "cad_call_types_fresh.tsv"]
)
def test_real_labels_from_us_agencies_meet_the_safety_targets(corpus):
    """At least 97% of sensitive labels skipped, at most 10% of ordinary ones.

    Three files of real labels copied from the published CAD and RMS data of 47 US agencies
    (27, 12 and 8, no agency in two files), labelled by the product's policy by people who did
    not see the matcher. Each later file was first used as a held-out measure of the rules
    tuned on the files before it: 76.5% of sensitive labels skipped on the second, 88.7% on
    the third (notes on issue 3). All three now guard against regressions.
    """
    rows = load(corpus)
    sensitive = [r["label"] for r in rows if r["sensitive"] == "1"]
    ordinary = [r["label"] for r in rows if r["sensitive"] == "0"]
    missed = [label for label in sensitive if match_sensitive(label) is None]
    wrongly_skipped = [label for label in ordinary if match_sensitive(label) is not None]

    assert len(sensitive) >= 100 and len(ordinary) >= 300
    assert len(missed) / len(sensitive) <= 0.03, missed
    assert len(wrongly_skipped) / len(ordinary) <= 0.10, wrongly_skipped


@pytest.mark.parametrize(
    ("corpus", "most_missed", "most_wrongly_skipped"),
    [
        # Built from: 2,431 labels from 19 agencies. First contact 579/729 skipped (0.794),
        # 47/1,702 wrongly (0.028). 25 of the 38 still missed are bare agency codes (`S41`).
        ("calltypes/build_b.tsv", 27, 25),  # 24 before the model was retrained with build_i
        # Held out at first: 1,616 labels from 17 other agencies. Before: 265/310 (0.855),
        # 38/1,306 wrongly (0.029). After the list built on build_b: 290/310 (0.935), 31/1,306.
        # Its misses were then read and kinds added (a later session): a floor now, no longer a
        # held-out measure: 301/310.
        ("calltypes/heldout_c.tsv", 1, 26),
        # 1,830 labels from 18 more agencies, first contact 262/279 (0.939), 35/1,551 wrongly
        # (0.023); the list then learned its kinds (discipline letters glued to a word,
        # one-letter misspellings, statute numbers, notifications of things): 276/279, 20/1,551.
        ("calltypes/build_d.tsv", 0, 20),
        # 1,629 labels from 16 more agencies, first contact 299/330 (0.906; 19 of the 31 misses
        # a campus police's "(Title IX Related)" flag), 35/1,299 wrongly (0.027); after its
        # kinds were learned (Title IX, predators, exhibitionists, visitation, phone or e-mail
        # misuse, a notification or a NON- that is not about a person): 327/330, 27/1,299.
        ("calltypes/build_e.tsv", 1, 27),
        # Held out: 1,269 labels from 15 agencies in no other corpus, scored once after the
        # list above was final, misses never read: 201/220 (0.914), 13/1,049 wrongly (0.012).
        # Since 2026-12-04 the call-type model is trained on it (and on every corpus here); held
        # out while the model's bar was chosen, list and model skipped 210/220, 17/1,049 wrongly.
        ("calltypes/heldout_f.tsv", 0, 13),
        # 2026-12-04: 468 labels from 4 agencies in no other corpus (the rest of that helper's
        # file came from agencies already used and was dropped), first contact 28/30 (0.933),
        # 5/438 wrongly; and 1,038 labels from 13 more agencies, first contact 103/105 (0.981),
        # 32/933 wrongly (0.034). Both with the product's policy on shootings, stabbings and
        # medical arrests (ordinary), which the labellers' brief had differently (docs/triage.md).
        # Their misses and false skips were then read and the list learned from them.
        ("calltypes/build_g.tsv", 0, 5),
        ("calltypes/build_h.tsv", 0, 19),
        # Third session of 2026-12-04: 1,531 labels from 15 agencies in no other corpus (mostly
        # fire and EMS lists), first contact with the policy applied to 6 rows (a juvenile
        # complaint, a bare transport, a traffic arrest, an arrest/death protocol): 107/112
        # (0.955; 100/101 without the labeller's "unsure" rows), 30/1,419 wrongly (0.021). Then
        # read: EMS exposures, medical arrests and transports, a child's medical call, MINOR as a
        # severity, power disconnected, accidental poisoning, BEHAVORIAL; the model retrained.
        ("calltypes/build_i.tsv", 1, 5),
    ],
)
def test_labels_from_agencies_the_list_had_never_seen_stay_at_their_measured_figures(
    corpus, most_missed, most_wrongly_skipped
):
    """Issue 17's corpora: a floor at the figures reached, so a change cannot lose ground. Since
    2026-12-04 the list and the call-type model trained on these corpora decide together: the
    floors are figures on training data, not on agencies never seen (docs/triage.md)."""
    rows = load(corpus)
    sensitive = [r["label"] for r in rows if r["sensitive"] == "1"]
    ordinary = [r["label"] for r in rows if r["sensitive"] == "0"]
    missed = [label for label in sensitive if match_sensitive(label) is None]
    wrongly_skipped = [label for label in ordinary if match_sensitive(label) is not None]

    assert len(sensitive) >= 30 and len(ordinary) >= 400, (len(sensitive), len(ordinary))
    assert len(missed) <= most_missed
    assert len(wrongly_skipped) <= most_wrongly_skipped


@pytest.mark.parametrize(
    "label",
    [
        "HARASSMENT",
        "Harrassment - Telephone",
        "ANNOYING PHONE CALLS",
        "VIOLATION OF PEACE ORDER",
        "INJUCTION VIOLATION",
        "WOMENS SHELTER",
        "VICTIM ADVOCATE REQUEST",
        "CALLER IN IMMINENT DANGER",
        "GPS ALERT - OFFENDER",
        "HOME CONFINEMENT CHECK",
        "MENTAL HEALTH REFERRAL",
        "988 TRANSFER",
        "PAPER SERVICE",
        "E.D.P.",
        "D O A",
        "OVRDSE",
        "HOSTGE",
        "PURPLE ALERT",
        "OVERDUE HIKER",
        "CHILD LOCKED IN VEHICLE",
    ],
)
def test_the_kinds_issue_17_found_missing_are_sensitive(label):
    assert match_sensitive(label) is not None


@pytest.mark.parametrize(
    "label",
    [
        "VICE",
        "UNKNOWN TROUBLE",
        "ABANDONED",
        "DEAD ANIMAL",
        "ASSAULT WITH A DEADLY WEAPON",
        "ANIMAL WELFARE CHECK",
        "ANIMAL SHELTER",
        "JUMP START",
        "KEYS LOCKED IN VEHICLE",
        "PERSON TRAPPED IN ELEVATOR",
        "MEDICAL SEIZURE",
        "THREATENING PHONE CALL",
        "HOSPITAL TRANSPORT",
        "ALT MENTAL STATUS",
        "911 TEST CALL",
    ],
)
def test_what_issue_17_decided_is_ordinary_stays_eligible(label):
    assert match_sensitive(label) is None


def test_every_verdict_can_be_explained_in_plain_words():
    assert explain(match_sensitive("HARASSMENT")).startswith("harassment or unwanted contact")
    assert "DV" in explain(match_sensitive("DV A/B I/P"))
    assert explain(None) == "no sensitive word or code found"


def test_an_agency_adds_its_own_codes_words_and_patterns():
    extra = ["10-16", "family court", "re:^C11B\\b"]

    assert match_sensitive("10-16 PHYSICAL", extra).group == "agency"
    assert match_sensitive("FAMILY COURT PAPERS", extra).group == "agency"
    assert match_sensitive("C11B S/GUN", extra).group == "agency"
    assert match_sensitive("10-166 PARKING", extra) is None


def test_agency_patterns_are_checked_before_they_are_saved():
    assert validate_agency_pattern("re:([unclosed") is not None
    assert validate_agency_pattern("   ") is not None
    assert validate_agency_pattern("--") is not None
    assert validate_agency_pattern("10-16") is None


@pytest.mark.parametrize(
    ("label", "group"),
    [
        ("PWELFARE CHECK", "welfare"),  # a discipline letter glued to the word
        ("ECHILD ENDANGERMENT", "child_abuse"),
        ("HAASSMENT COMPLAINT", "harassment"),  # one letter away from a long word
        ("HOMOCIDE", "death"),
        ("258E SERVICE", "domestic"),  # protective orders by statute
        ("SECTION 12", "mental_health"),
        ("OVERDUE MV/PERSON", "missing"),
        ("SEARCH OR RESCUE", "missing"),
        ("NOTIFICATION", "death"),
        ("DEATH NOTIFICATION", "death"),
        ("96 HOUR HOLD", "mental_health"),
        ("THEFT (TITLE IX RELATED)", "sexual"),
        ("TELEPHONE/EMAIL MISUSE", "harassment"),
        ("ASSAULT - NON-DOMESTIC AND NON-EMERGENCY PROSTITUTION", "sexual"),
    ],
)
def test_kinds_of_spelling_agencies_use_are_read_as_the_word_they_stand_for(label, group):
    assert match_sensitive(label).group == group


@pytest.mark.parametrize(
    "label",
    [
        "STEALING",  # two letters from STALKING, not one
        "DISTRICT MISSION",
        "PUBLIC WORKS NOTIFICATION",  # a notification of something is not a death message
        "DOT NOTIFICATION",
        "DOA ANIMAL",
        "ANIMAL NEGLECT",
        "MISSING/DAMAGED STOP SIGN",
        "REQUEST FOR BARRICADES/SIGNS",
        "ASSAULT - NON-DOMESTIC",
        "FIRE/MH",  # a mobile home on fire
        "BITE - POSSIBLY DANGEROUS BODY AREA",
        "911 TRUNK FAILURE",
        "911 NON EMERGENCY",  # NON negates the word after it, and only that word
        "NON-URGENT NOTIFICATIONS",
        "ELEVATOR STUCK W/OCCUPANTS",
        "CD FLEET",
        "MEDICAL ARREST",
        "ANIMAL RABIES EXPOSURE",
    ],
)
def test_words_near_a_sensitive_word_that_mean_something_else_are_ordinary(label):
    assert match_sensitive(label) is None, match_sensitive(label)
