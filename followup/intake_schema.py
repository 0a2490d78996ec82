"""The intake API's request and response shapes; the OpenAPI document is generated from them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

_BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")

Short = Annotated[str, Field(max_length=64)]


class CallEvent(BaseModel):
    """A call for service closed (or reopened) in the dispatch or records system."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    call_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="The agency's incident number; events with the same call_id update one call."
    )
    closed_at: AwareDatetime = Field(description="When the call closed, ISO 8601 with an offset.")
    call_type: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The agency's own call type label or code, e.g. 'THEFT-CAR PROWL'."
    )
    disposition: Annotated[str, Field(max_length=200)] | None = None
    caller_phone: Annotated[str, Field(max_length=40)] | None = Field(
        default=None,
        description="Any common format; numbers without a country code use the agency's.",
    )
    caller_name: Annotated[str, Field(max_length=200)] | None = None
    language: Annotated[str, Field(max_length=35)] | None = Field(
        default=None, description="The caller's language as a BCP 47 tag, e.g. 'es' or 'es-MX'."
    )
    district: Short | None = None
    beat: Short | None = None
    unit: Short | None = None
    officer_id: Short | None = None
    self_initiated: bool = Field(default=False, description="Officer-initiated: no caller to text.")
    do_not_contact: bool = Field(default=False, description="Never text about this call.")
    status: Literal["closed", "reopened"] = "closed"

    @field_validator(
        "disposition",
        "caller_phone",
        "caller_name",
        "language",
        "district",
        "beat",
        "unit",
        "officer_id",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value):
        # Dispatch exports send "" for an empty field; that means "not given", not an error.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("language")
    @classmethod
    def _bcp47(cls, value: str | None) -> str | None:
        if value is not None and not _BCP47.match(value):
            raise ValueError("must be a BCP 47 language tag such as 'en', 'es' or 'es-MX'")
        return value


class FollowUpOut(BaseModel):
    id: int
    status: Literal["scheduled", "sending", "sent", "failed", "skipped", "cancelled", "unknown"]
    reason: str | None = Field(description="Why it is not (or no longer) going to be sent.")
    send_at: datetime | None = Field(description="When it is due (scheduled) or was sent.")


class CallOut(BaseModel):
    call_id: str
    followup: FollowUpOut


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
