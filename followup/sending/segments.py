"""How carriers count a text: GSM-7 or UCS-2 encoding, characters, and billed segments."""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set (one septet each) and its extension table (two septets each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # as the user sees them
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    ucs2_characters: tuple[str, ...]  # the characters that forced UCS-2, in order of appearance


def count_segments(text: str) -> SegmentInfo:
    """Return how ``text`` is encoded and how many SMS segments carriers bill for it.

    GSM-7 fits 160 septets in one segment and 153 per segment once split; UCS-2 fits 70 and 67.
    A single character outside GSM-7 (an accent like ó, an emoji, a curly quote) switches the
    whole text to UCS-2.
    """
    forcing = tuple(
        dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENDED)
    )
    if not forcing:
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, multi = 160, 153
        encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
        encoding = "UCS-2"
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = -(-units // multi)
    return SegmentInfo(encoding, len(text), units, segments, forcing)
