"""The intake API's request and response shapes; the OpenAPI document is generated from them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, field_validator

_BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
# Whitespace as pydantic strips it (Unicode White_Space), spelled out so that the schema's
# patterns mean the same in every regex engine and "blank" means the same everywhere here.
_WHITESPACE = (
    " \t\n\x0b\x0c\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WS = r"[ \t\n\x0b\x0c\r\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# No NUL anywhere (PostgreSQL cannot store one), and at least one character that is not
# whitespace.
NO_NUL = r"^[^\x00]*$"
_NOT_BLANK = {"pattern": r"^[^\x00]*[^\x00" + _WS[1:-1] + r"][^\x00]*$"}

Short = Annotated[str, Field(max_length=64, pattern=NO_NUL)]
Text200 = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no call closed before this is followed up


_TIME_FIELDS = ("received_at", "dispatched_at", "arrived_at", "closed_at")
# The time each status requires (reopened needs none).
TIME_OF_STATUS = {
    "received": "received_at",
    "dispatched": "dispatched_at",
    "arrived": "arrived_at",
    "closed": "closed_at",
}


def _time_required_by_status() -> dict:
    # Each status needs its own time, not null (a missing status means closed, so closed_at);
    # stated in the schema as one branch per status, so that a request valid per the document
    # is one the API accepts.
    branches: list[dict] = [
        {
            "properties": {"status": {"const": status}, field: {"type": "string"}},
            "required": ["status", field],
        }
        for status, field in TIME_OF_STATUS.items()
        if status != "closed"
    ]
    branches.append(
        {
            "properties": {"status": {"const": "closed"}, "closed_at": {"type": "string"}},
            "required": ["closed_at"],
        }
    )
    branches.append({"properties": {"status": {"const": "reopened"}}, "required": ["status"]})
    return {"anyOf": branches}


class CallEvent(BaseModel):
    """A call for service received, dispatched, arrived at, closed or reopened in dispatch."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=_time_required_by_status()
    )

    call_id: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)] = Field(
        description="The agency's incident number; events with the same call_id update one call.",
        json_schema_extra=_NOT_BLANK,
    )
    closed_at: AwareDatetime | None = Field(
        default=None,
        description=(
            "When the call closed, ISO 8601 with an offset; required when status is closed. "
            "Every time: not more than 15 minutes ahead of the server's clock, not before "
            "2000, and not older than the agency keeps calls (365 days by default)."
        ),
    )
    received_at: AwareDatetime | None = Field(
        default=None,
        description="When the call was created in dispatch; required when status is received.",
    )
    dispatched_at: AwareDatetime | None = Field(
        default=None,
        description="When a unit was assigned; required when status is dispatched.",
    )
    arrived_at: AwareDatetime | None = Field(
        default=None, description="When a unit arrived; required when status is arrived."
    )
    # As long as the calls table keeps it (16): a longer one was a 500 on PostgreSQL.
    priority: Annotated[str, Field(max_length=16, pattern=NO_NUL)] | None = Field(
        default=None,
        description="The CAD's priority as it writes it ('1', 'P2'); picks a delay threshold.",
    )
    officer_name: Text200 | None = Field(
        default=None, description="The assigned officer's name as texts may show it."
    )
    call_type: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)] = Field(
        description="The agency's own call type label or code, e.g. 'THEFT-CAR PROWL'.",
        json_schema_extra=_NOT_BLANK,
    )
    disposition: Text200 | None = None
    caller_phone: Annotated[str, Field(max_length=40, pattern=NO_NUL)] | None = Field(
        default=None,
        description="Any common format; numbers without a country code use the agency's.",
    )
    caller_name: Text200 | None = None
    language: Annotated[str, Field(max_length=35)] | None = Field(
        default=None,
        description="The caller's language as a BCP 47 tag, e.g. 'es' or 'es-MX'.",
        # Surrounding whitespace is stripped, and a blank value means "not given".
        json_schema_extra={"pattern": rf"^{_WS}*([A-Za-z]{{2,3}}(-[A-Za-z0-9]{{1,8}})*)?{_WS}*$"},
    )
    district: Short | None = None
    beat: Short | None = None
    unit: Short | None = None
    officer_id: Short | None = Field(
        default=None, description="The assigned officer's id or badge number."
    )
    call_taker_id: Short | None = Field(
        default=None, description="The dispatcher (call-taker) who took the call: their id."
    )
    call_taker_name: Text200 | None = Field(
        default=None, description="The dispatcher (call-taker) who took the call: their name."
    )
    # Strict: JSON true or false only (lax parsing took "no" as false and 1 as true).
    self_initiated: StrictBool = Field(
        default=False, description="Officer-initiated: no caller to text."
    )
    do_not_contact: StrictBool = Field(default=False, description="Never text about this call.")
    status: Literal["received", "dispatched", "arrived", "closed", "reopened"] = Field(
        default="closed",
        description=(
            "The stage the event reports. Any order and repetition are safe: an earlier stage "
            "after a later one only records its time."
        ),
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        # PostgreSQL cannot store U+0000, and no dispatch system means one.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain a NUL character (U+0000)")
        return value

    @field_validator(
        "disposition",
        "caller_phone",
        "caller_name",
        "language",
        "district",
        "beat",
        "unit",
        "officer_id",
        "call_taker_id",
        "call_taker_name",
        "priority",
        "officer_name",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value):
        # Dispatch exports send "" for an empty field; that means "not given", not an error.
        if isinstance(value, str) and not value.strip(_WHITESPACE):
            return None
        return value

    @field_validator(*_TIME_FIELDS, mode="before")
    @classmethod
    def _text_only(cls, value):
        # Lax parsing would read a number as seconds since 1970; the schema says a string.
        if value is not None and not isinstance(value, str | datetime):
            raise ValueError("must be an ISO 8601 date and time string with an offset")
        return value

    @field_validator(*_TIME_FIELDS)
    @classmethod
    def _in_utc_range(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        # 0001-01-01T00:00+05:00 parses but has no UTC equivalent (it was a 500).
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is out of range") from None
        # .NET's DateTimeOffset.MinValue and friends: a default, not a closing time. Such a date
        # has no local time in some zones and would break every report that counts it.
        if value < EARLIEST:
            raise ValueError(
                f"is before {EARLIEST:%Y-%m-%d}: not a real closing time (check the CAD's field)"
            )
        return value

    @field_validator("language")
    @classmethod
    def _bcp47(cls, value: str | None) -> str | None:
        if value is not None and not _BCP47.match(value):
            raise ValueError("must be a BCP 47 language tag such as 'en', 'es' or 'es-MX'")
        return value


class FollowUpOut(BaseModel):
    id: int
    status: Literal[
        "scheduled", "held", "sending", "sent", "failed", "skipped", "cancelled", "unknown"
    ]
    reason: str | None = Field(description="Why it is not (or no longer) going to be sent.")
    send_at: datetime | None = Field(description="When it is due (scheduled) or was sent.")


class TextOut(BaseModel):
    """One text the service planned about the call, whatever its purpose."""

    id: int
    purpose: str = Field(
        description="checkin, confirmation, delay, update_<event> or offer_updates."
    )
    status: Literal[
        "scheduled", "held", "sending", "sent", "failed", "skipped", "cancelled", "unknown"
    ]
    reason: str | None
    send_at: datetime | None = Field(description="When it is due (scheduled) or was sent.")
    update_id: str | None = Field(default=None, description="The case update it is about.")


# The detail fields each case event may carry (any other is refused), and those it needs.
DETAIL_FIELDS: dict[str, tuple[str, ...]] = {
    "detective_assigned": ("detective_name", "detective_phone"),
    "arrest_made": ("report_number",),
    "report_available": ("report_number",),
    "case_closed": ("report_number",),
    "property_ready": ("report_number",),
    "court_date": ("court_date", "court_location"),
    "warrant_issued": ("report_number",),
    "referred_to_prosecutor": ("report_number",),
    "custom": ("text",),
}
DETAIL_REQUIRED = {"court_date": ("court_date",), "custom": ("text",)}
_DetailText = Annotated[str, Field(min_length=1, max_length=64, json_schema_extra=_NOT_BLANK)]


class UpdateDetail(BaseModel):
    """What a case event says; which fields an event may carry is listed under ``event``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    detective_name: _DetailText | None = None
    detective_phone: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        default=None, json_schema_extra=_NOT_BLANK
    )
    report_number: _DetailText | None = None
    court_date: _DetailText | None = Field(
        default=None, description="As the text should say it, e.g. 'March 3, 2027 at 9:00 AM'."
    )
    court_location: Text200 | None = None
    text: Annotated[str, Field(min_length=1, max_length=300)] | None = Field(
        default=None,
        description="custom only: the sentence the victim gets after the case number.",
        json_schema_extra=_NOT_BLANK,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _plain_text(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain a NUL character (U+0000)")
        if value is not None and not isinstance(value, str):
            raise ValueError("must be a string")
        return value


class CaseUpdateEvent(BaseModel):
    """A case event from the records system, e.g. a detective assigned or an arrest made."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    update_id: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)] = Field(
        description="The records system's own id: the same id again changes nothing.",
        json_schema_extra=_NOT_BLANK,
    )
    event: Literal[
        "detective_assigned",
        "arrest_made",
        "report_available",
        "case_closed",
        "property_ready",
        "court_date",
        "warrant_issued",
        "referred_to_prosecutor",
        "custom",
    ] = Field(
        description=(
            "Detail fields by event: detective_assigned: detective_name, detective_phone; "
            "court_date: court_date (required), court_location; custom: text (required); "
            "the others: report_number."
        )
    )
    occurred_at: AwareDatetime = Field(
        description="When it happened, ISO 8601 with an offset; not ahead of the server's clock."
    )
    victim_notify: StrictBool = Field(
        default=False,
        description=(
            "The victim asked for updates (consent recorded in the RMS). Without it (on this or "
            "an earlier update of the call) nothing is texted."
        ),
    )
    detail: UpdateDetail = Field(default_factory=UpdateDetail)

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _text_only(cls, value):
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date and time string with an offset")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _in_utc_range(cls, value: datetime) -> datetime:
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is out of range") from None
        if value < EARLIEST:
            raise ValueError(f"is before {EARLIEST:%Y-%m-%d}: not a real time")
        return value

    def detail_errors(self) -> list[FieldError]:
        """The detail fields this event may not carry, and those it needs but lacks."""
        allowed = DETAIL_FIELDS[self.event]
        given = self.detail.model_dump(exclude_none=True)
        errors = [
            FieldError(field=f"detail.{name}", message=f"is not a field of {self.event!r}")
            for name in given
            if name not in allowed
        ]
        errors += [
            FieldError(field=f"detail.{name}", message=f"is required for {self.event!r}")
            for name in DETAIL_REQUIRED.get(self.event, ())
            if name not in given
        ]
        return errors


class UpdateOut(BaseModel):
    update_id: str
    event: str
    occurred_at: datetime
    victim_notify: bool
    texted: bool = Field(description="Whether its text went out.")
    text_status: str | None = Field(
        description="Its text's status (scheduled, sent, skipped...); null: no text planned."
    )
    reason: str | None = Field(
        description="Why it was not (or not yet) texted: purpose_off, no_consent, opted_out..."
    )


class CallOut(BaseModel):
    call_id: str
    status: str = Field(description="The furthest stage reported (closed/reopened: the latest).")
    followup: FollowUpOut | None = Field(
        description="The check-in after the call closed (null until the call is closed)."
    )
    texts: list[TextOut] = Field(default_factory=list)
    updates: list[UpdateOut] = Field(default_factory=list)
    updates_consented_at: datetime | None = Field(
        default=None,
        description="When the caller asked for case updates by answering YES to the offer text "
        "(null: not by reply; victim_notify on an update is the records system's own consent).",
    )


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None
