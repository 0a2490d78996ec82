"""CSV downloads a spreadsheet opens safely: no cell runs as a formula (CSV injection).

A spreadsheet runs a cell whose first visible character is = + - @ (or a tab or CR before
one), and it skips leading spaces, no-break spaces, byte-order marks and line breaks before
deciding, and reads full-width ＝＋－＠ as the ASCII ones. So a cell is judged by its first
character after those are skipped and after compatibility normalisation (NFKC), and such a cell
is written with a leading ' (shown as text; nothing of its content is lost).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable

from flask import Response

_FORMULA_START = frozenset("=+-@\t\r")
# What a spreadsheet skips before the first character it reads (and what hides it from a
# reader): spaces of every width, line breaks, byte-order and zero-width marks.
_SKIPPED = " \t\r\n\x0b\x0c\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u200b\u200c\u200d\u2060"


def safe_cell(value) -> object:
    """``value`` as a cell a spreadsheet shows as text."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in _FORMULA_START:
        return "'" + value
    visible = unicodedata.normalize("NFKC", value.lstrip(_SKIPPED))
    if visible and visible[0] in _FORMULA_START:
        return "'" + value
    return value


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """A CSV download of ``rows`` under ``header``, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
