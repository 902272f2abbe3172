"""CSV for every export: one writer, with the spreadsheet-formula guard on every text cell.

A cell a spreadsheet would run as a formula (starting with =, +, -, @, or a tab or carriage
return that hides one) is prefixed with an apostrophe; imports undo it with `unguard`.
Exports carry `Cache-Control: no-store`: they are lists of the coalition's people and
institutions, never to be kept by a shared cache.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value: Any) -> Any:
    """A text cell made safe to open in a spreadsheet; numbers and empty cells stay as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def unguard(text: str) -> str:
    """Undo `guard` on a cell read back from one of our exports."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([guard(cell) for cell in row] for row in rows)
    return out.getvalue()


def csv_response(rows: Iterable[Sequence[Any]], filename: str) -> Response:
    """A CSV download of `rows` (the first one being the header)."""
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
