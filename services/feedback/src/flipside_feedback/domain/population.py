"""How people are grouped in the program's aggregates: by department and by grade band, nothing finer."""

from __future__ import annotations


def grade_band(grade: int) -> str:
    """Three broad bands: narrow ones would make small cells, and small cells are withheld anyway."""
    if grade <= 3:
        return "junior"
    if grade <= 6:
        return "mid"
    return "senior"
