"""Quiet hours in the agency's own time zone, correct across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from followup.core.quiet_hours import QuietHours, next_allowed

NEW_YORK = ZoneInfo("America/New_York")
NIGHT = QuietHours.parse("21:00-09:00")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def test_a_text_due_at_night_waits_for_nine_the_next_morning():
    due = local(2026, 11, 20, 22, 30)

    assert next_allowed(due, NEW_YORK, NIGHT) == local(2026, 11, 21, 9, 0)


def test_a_text_due_before_dawn_waits_for_nine_the_same_morning():
    due = local(2026, 11, 21, 6, 15)

    assert next_allowed(due, NEW_YORK, NIGHT) == local(2026, 11, 21, 9, 0)


def test_a_text_due_in_the_day_goes_when_due():
    due = local(2026, 11, 21, 14, 5)

    assert next_allowed(due, NEW_YORK, NIGHT) == due


def test_nine_oclock_is_allowed_and_nine_pm_is_not():
    assert next_allowed(local(2026, 11, 21, 9, 0), NEW_YORK, NIGHT) == local(2026, 11, 21, 9, 0)
    assert next_allowed(local(2026, 11, 21, 21, 0), NEW_YORK, NIGHT) == local(2026, 11, 22, 9, 0)
    assert next_allowed(local(2026, 11, 21, 20, 59, 59), NEW_YORK, NIGHT) == local(
        2026, 11, 21, 20, 59, 59
    )


def test_spring_forward_night_ends_at_nine_daylight_time():
    # Clocks go from 02:00 EST to 03:00 EDT on 8 March 2026: 09:00 that morning is 13:00 UTC.
    due = local(2026, 3, 7, 22, 0)

    result = next_allowed(due, NEW_YORK, NIGHT)

    assert result == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    assert result.astimezone(NEW_YORK).hour == 9


def test_fall_back_night_ends_at_nine_standard_time():
    # Clocks go from 02:00 EDT back to 01:00 EST on 1 November 2026: 09:00 is 14:00 UTC.
    due = local(2026, 10, 31, 22, 0)

    result = next_allowed(due, NEW_YORK, NIGHT)

    assert result == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
    assert result.astimezone(NEW_YORK).hour == 9


def test_the_repeated_hour_of_fall_back_is_inside_quiet_hours_both_times():
    first_one_thirty = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second_one_thirty = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST

    nine_est = datetime(2026, 11, 1, 14, 0, tzinfo=UTC)

    assert next_allowed(first_one_thirty, NEW_YORK, NIGHT) == nine_est
    assert next_allowed(second_one_thirty, NEW_YORK, NIGHT) == nine_est


def test_a_window_ending_inside_the_skipped_hour_ends_when_the_clocks_jump():
    # 02:30 does not exist on 8 March 2026; the first minute after it on the wall is 03:00 EDT.
    window = QuietHours.parse("22:00-02:30")

    result = next_allowed(local(2026, 3, 7, 23, 0), NEW_YORK, window)

    assert result == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert result.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:00 EDT"


def test_a_daytime_window_that_does_not_wrap_midnight():
    lunch = QuietHours.parse("12:00-13:30")

    assert next_allowed(local(2026, 11, 21, 12, 45), NEW_YORK, lunch) == local(2026, 11, 21, 13, 30)
    assert next_allowed(local(2026, 11, 21, 14, 0), NEW_YORK, lunch) == local(2026, 11, 21, 14, 0)


def test_the_result_is_in_utc_whatever_zone_came_in():
    result = next_allowed(local(2026, 11, 20, 23, 0), NEW_YORK, NIGHT)

    assert result.tzinfo == UTC


def test_each_agency_uses_its_own_zone():
    honolulu = ZoneInfo("Pacific/Honolulu")  # no daylight saving, UTC-10
    due = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)  # 19:00 in Honolulu, midnight in New York

    assert next_allowed(due, honolulu, NIGHT) == due
    assert next_allowed(due, NEW_YORK, NIGHT) == local(2026, 11, 21, 9, 0)


def test_off_means_no_quiet_hours():
    assert QuietHours.parse("off") is None
    assert next_allowed(local(2026, 11, 21, 3, 0), NEW_YORK, None) == local(2026, 11, 21, 3, 0)


@pytest.mark.parametrize(
    "text", ["21:00", "25:00-09:00", "21:00-09:60", "9pm-9am", "21:00-21:00", "21-09"]
)
def test_unreadable_quiet_hours_are_refused_with_the_accepted_form(text):
    with pytest.raises(ValueError, match="HH:MM|same time"):
        QuietHours.parse(text)
