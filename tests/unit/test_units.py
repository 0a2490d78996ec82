"""Small parts with sharp edges: SMS segments, durations, phone numbers, settings, tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.core.config import ConfigError, Settings
from followup.core.durations import format_duration, parse_duration
from followup.core.phones import mask, to_e164
from followup.sending.segments import count_segments


def test_plain_text_is_gsm7_at_160_then_153_per_segment():
    assert count_segments("a" * 160).segments == 1
    assert count_segments("a" * 161).segments == 2
    assert count_segments("a" * 306).segments == 2
    assert count_segments("a" * 307).segments == 3


def test_extension_characters_count_twice_in_gsm7():
    info = count_segments("€" * 80)

    assert (info.encoding, info.units, info.segments) == ("GSM-7", 160, 1)
    assert count_segments("€" * 81).segments == 2


def test_one_accent_or_emoji_switches_the_whole_text_to_ucs2():
    info = count_segments("Cómo " + "a" * 66)

    assert info.encoding == "UCS-2"
    assert info.ucs2_characters == ("ó",)
    assert info.segments == 2  # 71 characters > 70
    assert count_segments("🙂" * 35).units == 70  # emoji take two UTF-16 units each


def test_spanish_characters_that_gsm7_has_stay_gsm7():
    assert count_segments("¿Qué tal? ñ ü é").encoding == "GSM-7"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", 0),
        ("900", 900),
        ("45s", 45),
        ("90m", 5400),
        ("2h", 7200),
        ("1h30m", 5400),
        ("1d", 86400),
    ],
)
def test_durations_read_as_staff_write_them(text, expected):
    assert parse_duration(text) == timedelta(seconds=expected)


@pytest.mark.parametrize("text", ["soon", "2 hours", "h", "-5m", "1h30"])
def test_unreadable_durations_say_what_is_accepted(text):
    with pytest.raises(ValueError, match="e.g. 2h"):
        parse_duration(text)


def test_durations_print_in_the_form_they_are_read():
    assert format_duration(timedelta(hours=1, minutes=30)) == "1h30m"
    assert parse_duration(format_duration(timedelta(seconds=3725))) == timedelta(seconds=3725)


@pytest.mark.parametrize(
    "raw", ["202-555-0123", "(202) 555-0123", "+1 202 555 0123", "2025550123", "1-202-555-0123"]
)
def test_us_numbers_in_any_common_format_become_e164(raw):
    assert to_e164(raw) == "+12025550123"


@pytest.mark.parametrize(
    "raw",
    ["555-1234", "+1 800 555 0100", "911", "hello", "", "+1 202 055 0123", "+44 20 7946 0018"],
)
def test_numbers_that_cannot_take_a_text_are_none(raw):
    assert to_e164(raw) is None


def test_masked_numbers_show_only_the_last_two_digits():
    assert mask("+12025550123") == "••••••••••23"
    assert mask(None) == ""


def test_settings_come_from_the_environment(tmp_path):
    settings = Settings.from_env(
        {
            "FOLLOWUP_INSTANCE_PATH": str(tmp_path),
            "FOLLOWUP_SEND_DELAY": "90m",
            "FOLLOWUP_QUIET_HOURS": "22:00-08:00",
            "FOLLOWUP_TIMEZONE": "America/Chicago",
            "FOLLOWUP_PUBLIC_URL": "https://followup.example.org/",
            "TWILIO_ACCOUNT_SID": "AC123",
            "TWILIO_AUTH_TOKEN": "secret",
            "TWILIO_MESSAGING_SERVICE_SID": "MG123",
        }
    )

    assert settings.database_url == f"sqlite:///{tmp_path / 'followup.sqlite3'}"
    assert settings.send_delay == timedelta(minutes=90)
    assert str(settings.quiet_hours) == "22:00-08:00"
    assert settings.timezone == "America/Chicago"
    assert settings.public_url == "https://followup.example.org"
    assert settings.twilio_enabled


def test_twilio_needs_a_sender_as_well_as_credentials(tmp_path):
    settings = Settings.from_env(
        {
            "FOLLOWUP_INSTANCE_PATH": str(tmp_path),
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "t",
        }
    )

    assert not settings.twilio_enabled
    assert settings.twilio_missing == ["TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"]


def test_no_twilio_variable_at_all_is_the_outbox_and_not_half_a_configuration(tmp_path):
    settings = Settings.from_env({"FOLLOWUP_INSTANCE_PATH": str(tmp_path)})

    assert not settings.twilio_enabled and settings.twilio_missing == []


@pytest.mark.parametrize(
    "variable, value",
    [
        ("FOLLOWUP_TIMEZONE", "Mars/Base"),
        ("FOLLOWUP_SEND_DELAY", "soon"),
        ("FOLLOWUP_QUIET_HOURS", "9pm-9am"),
        ("FOLLOWUP_SEND_INTERVAL", "0"),
        ("FOLLOWUP_SEND_BATCH", "many"),
        ("FOLLOWUP_DATABASE_URL", "not a url"),
    ],
)
def test_a_bad_setting_names_its_variable(tmp_path, variable, value):
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({"FOLLOWUP_INSTANCE_PATH": str(tmp_path), variable: value})


def test_the_dev_secret_key_survives_a_restart(tmp_path):
    first = Settings.from_env({"FOLLOWUP_INSTANCE_PATH": str(tmp_path)}).secret_key
    second = Settings.from_env({"FOLLOWUP_INSTANCE_PATH": str(tmp_path)}).secret_key

    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
