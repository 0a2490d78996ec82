"""Ratings in replies: "5", "4/5", "5 stars", "10/10", "I'd give you a 2", "un 5", "⭐⭐⭐⭐"."""

from __future__ import annotations

import re

_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "ten": 10,
    "diez": 10,
    "zero": 0,
    "cero": 0,
}
_NUM = r"(\d{1,2}(?:\.\d)?|" + "|".join(_WORDS) + r")"
_NOT_A_RATING_AFTER = (
    r"(?!(?:st|nd|rd|th)\b)(?!\s*(?:hours?|hrs?|minutes?|mins?|days?|weeks?|months?|years?|yrs?|"
    r"times?|am|pm|a\.m|p\.m|cops?|officers?|people|of|x|kids?|cars?|dollars?|%|horas?|"
    r"minutos?|dias?|veces|anos?|policias?|oficiales|de la (?:manana|tarde|noche)|"
    r"de (?:los|las|mis|sus|ellos|ustedes|nosotros))\b)(?!:\d|\.\d|/\d{2,})"
)
_PATTERNS = [
    # "4/5", "9/10", "4 out of 5", "4 de 5"
    (re.compile(rf"(?<![\d/]){_NUM}\s*(?:/|out of|de)\s*(5|10)(?![\d/])"), "scaled"),
    # "5 stars", "cinco estrellas"
    (re.compile(rf"(?<!\d){_NUM}\s*(?:stars?|estrellas?)"), "five"),
    # "I'd give you a 2", "rate you 4", "te doy un 5", "a solid 4"
    (
        re.compile(
            rf"(?:give|gave|rate|rating|score|doy|daria|pongo|calific\w*)\s+(?:you |yall |you all |"
            rf"them |it |the officer |him |her |us |les |te |le |a ustedes )?(?:a |an |un |una |"
            rf"solid |strong )?{_NUM}{_NOT_A_RATING_AFTER}(?!\s*/)"
        ),
        "ten_if_big",
    ),
    # a number that opens the reply: "5 great job", "1. nobody came", "4, thanks"
    (
        re.compile(
            rf"^(?:a |un |una )?{_NUM}(?![\d/]){_NOT_A_RATING_AFTER}(?:[\s.,!:;)-]|"
            rf"$)"
        ),
        "ten_if_big",
    ),
    # a number that closes it: "great job 5", "muy bien 5"
    (re.compile(rf"(?:^|[\s.,!:;(-]){_NUM}[\s.!]*$"), "ten_if_big"),
]
_STAR = "⭐"


def _value(token: str) -> float:
    return float(_WORDS.get(token, token))


def _to_five(value: float, scale: int) -> int | None:
    if scale == 10:
        value = value / 2
    if value < 0 or value > 5:
        return None
    return max(1, min(5, round(value + 1e-9)))


def find_rating(folded: str, raw: str) -> int | None:
    """Return the 1-5 rating a reply gives, or None when it gives none.

    ``folded`` is the folded text; ``raw`` the original (for star emoji). Numbers that count
    something ("3 hours", "2 officers", "at 5 pm") are not ratings.
    """
    stars = raw.count(_STAR)
    if stars and stars <= 5 and not re.search(r"\d", folded):
        return stars
    for regex, kind in _PATTERNS:
        match = regex.search(folded)
        if not match:
            continue
        value = _value(match.group(1))
        if kind == "scaled":
            return _to_five(value, int(match.group(2)))
        if kind == "five":
            return _to_five(value, 5)
        # A bare 6-10 answers "1-5" on a ten-point scale in people's heads: "10" means the best.
        return _to_five(value, 10 if 5 < value <= 10 else 5)
    return None
