"""The public board's cache: a visitor costs one indexed read (the agency by its slug, with its
stamps), and the board's work only when something it shows has changed.

A copy is keyed by the agency's public settings, its stamps (``followup.reports.stamps``: the
report facts were recounted, a comment was decided) and the day, so nothing ever has to be
told to forget: a new key simply misses. Each process keeps its own copies, least recently
used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select

from followup.models import Agency, ReportStamp


@dataclass(frozen=True)
class PublicAgency:
    """What the board needs of an agency, and the stamps its copies are keyed by (hashable)."""

    id: int
    slug: str
    name: str
    timezone: str
    default_language: str
    languages: tuple[str, ...]
    public_board: bool
    embed_origins: tuple[str, ...]
    facts_version: int
    comments_version: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_LOOKUP = (
    select(
        Agency.id,
        Agency.slug,
        Agency.name,
        Agency.timezone,
        Agency.default_language,
        Agency.languages,
        Agency.public_board,
        Agency.board_embed_origins,
        ReportStamp.facts_version,
        ReportStamp.comments_version,
    )
    .outerjoin(ReportStamp, ReportStamp.agency_id == Agency.id)
    .where(Agency.slug == bindparam("slug"))
)


def lookup(connection: Connection, slug: str) -> PublicAgency | None:
    """The cache check: one read of the agency row by its unique slug, with its stamps (a
    statement built once; on a connection that needs no transaction for it)."""
    row = connection.execute(_LOOKUP, {"slug": slug}).first()
    if row is None:
        return None
    return PublicAgency(
        id=row.id,
        slug=row.slug,
        name=row.name,
        timezone=row.timezone,
        default_language=row.default_language,
        languages=tuple(row.languages or ()),
        public_board=bool(row.public_board),
        embed_origins=tuple(row.board_embed_origins or ()),
        facts_version=row.facts_version or 0,
        comments_version=row.comments_version or 0,
    )


class BoardCache:
    """A bounded, thread-safe map of computed things (boards, rendered pages) by key."""

    def __init__(self, size: int = 512):
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], object]):
        """The value for ``key``, computed (outside the lock) when missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = compute()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)
