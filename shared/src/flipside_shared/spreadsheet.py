"""CSV exports that stay text when a spreadsheet opens them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes as the start of a formula (OWASP's list for CSV injection)."""


def spreadsheet_safe(value: object) -> object:
    """Text from people or HR systems starting like a formula gets a leading `'`, so it shows as text and never runs."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document whose every text cell is spreadsheet-safe; None is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if value is None else spreadsheet_safe(value) for value in row] for row in rows)
    return out.getvalue()
