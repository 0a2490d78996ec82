"""Private links to a victim's case page (``/c/<token>``): only a hash of each token is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from followup.core.db import Base, UTCDateTime
from followup.models.calls import Call, FollowUp


class CaseLink(Base):
    """One link, minted for one text about a case (each text gets its own token).

    The token itself is only ever in the text; the row keeps its SHA-256, the call it shows and
    the language to show it in. It expires with the agency's retention (``followup.cases.links``)
    and the purge deletes it then."""

    __tablename__ = "case_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()
    followup: Mapped[FollowUp | None] = relationship()
