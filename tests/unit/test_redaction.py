"""The redaction proposer: names, numbers, addresses, plates and e-mail addresses proposed for
removal before a comment is published; ordinary words, ratings, years and times left alone.

All numbers are fictional (+1 202-555-01xx)."""

from __future__ import annotations

import pytest

from followup.reports.redaction import identifying, propose

AGENCY_WORDS = ("Westlake", "Police")


@pytest.mark.parametrize(
    ("reply", "proposed"),
    [
        # names after a title keep the title
        ("5 great job, Officer Smith was wonderful", "5 great job, Officer [name] was wonderful"),
        ("officer smith was great, sgt. lee too", "officer [name] was great, sgt. [name] too"),
        ("I'm very happy with Deputy Ramirez.", "I'm very happy with Deputy [name]."),
        ("Officer Diaz's car blocked my driveway", "Officer [name]'s car blocked my driveway"),
        # names introduced, related, or capitalised inside a sentence; a full name is one
        ("Thanks to Maria and John Lopez", "Thanks to [name] and [name]"),
        ("My name is Tom and nobody called", "My name is [name] and nobody called"),
        ("my neighbor, Sam, is still loud", "my neighbor, [name], is still loud"),
        ("Maria helped me a lot", "[name] helped me a lot"),
        # numbers: phones, case numbers; an e-mail address
        ("call me at 202-555-0143 please", "call me at [number] please"),
        ("text (202) 555-0188 or +1 202 555 0177", "text [number] or [number]"),
        ("My case number is 24-118842", "My case number is [number]"),
        ("write to jo.doe@example.com", "write to [email]"),
        # addresses, with a unit
        ("loud again at 1200 N Main St apt 4B", "loud again at [address]"),
        ("still parked on Elm Street", "still parked on [address]"),
        ("he lives at 4411 Oak Ave.", "he lives at [address]"),
        # plates
        ("the car had plate 7ABC123", "the car had plate [plate]"),
        ("the truck ABC-1234 keeps parking there", "the truck [plate] keeps parking there"),
        ("tag number is xyz 4567", "tag number is [plate]"),
    ],
)
def test_what_identifies_someone_is_proposed_for_removal(reply, proposed):
    assert propose(reply, keep=AGENCY_WORDS).text == proposed


@pytest.mark.parametrize(
    "reply",
    [
        "The officer was rude and didn't listen",
        "Westlake Police were great, thank you",
        "I called 911 twice in 2026 and nobody came",
        "5/5 10/10 would call again. Called on 11/22/2026",
        "Nobody came. I waited from 9:30 to 1:15",
        "Great job!! Thank You So Much",
        "OK thanks. Took 3 hours",
        "The Officers were very Professional",
    ],
)
def test_ordinary_words_ratings_years_and_times_are_left_alone(reply):
    proposal = propose(reply, keep=AGENCY_WORDS)
    assert proposal.text == reply
    assert proposal.findings == ()


def test_spanish_replies_get_spanish_markers():
    proposal = propose(
        "Muy bien, el oficial García fue muy amable. Vivo en calle Flores 12", language="es"
    )
    assert proposal.text == "Muy bien, el oficial [nombre] fue muy amable. Vivo en [dirección]"
    assert propose("me llamo Ana Pérez y mi vecino Jorge", language="es").text == (
        "me llamo [nombre] y mi vecino [nombre]"
    )
    assert propose("placa ABC 123 es del vecino", language="es").text == (
        "placa [placa] es del vecino"
    )


def test_a_proposal_counts_what_it_found_by_kind():
    proposal = propose("Officer Lee came to 55 Pine Rd, call 202-555-0101")
    assert dict(proposal.kinds) == {"name": 1, "address": 1, "number": 1}
    assert proposal.original == "Officer Lee came to 55 Pine Rd, call 202-555-0101"


def test_contact_details_left_in_a_text_are_named():
    assert identifying("call 202-555-0143") == ["number"]
    assert identifying("mail a@b.org or 2025550143") == ["email", "number"]
    assert identifying("Officer [name] was great, 5/5") == []
