"""The fairness audit of a program: who gets matched, and how well, group by group.

Groups of fewer than `MIN_CELL` people are suppressed, figures and names (a value only
one person declared would say who): one cell per dimension says some were, so the audit
cannot single anyone out. A group whose match rate is below four fifths of the best
group's gets a warning (the four-fifths rule of adverse-impact analysis).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_CELL = 5
SUPPRESSED_GROUPS = f"groups of fewer than {MIN_CELL} people"
FOUR_FIFTHS = 0.8


@dataclass(frozen=True)
class Person:
    groups: Mapping[str, str]
    """Dimension -> this person's group in it (department, grade band, location, or a declared attribute)."""
    score: float | None
    """Their best active pair's score; None when unmatched."""


@dataclass(frozen=True)
class Cell:
    dimension: str
    group: str
    people: int | None
    matched: int | None
    match_rate: float | None
    mean_score: float | None
    median_score: float | None
    suppressed: bool
    warning: str | None


def audit(people: Iterable[Person]) -> list[Cell]:
    by_cell: dict[tuple[str, str], list[Person]] = defaultdict(list)
    for person in people:
        for dimension, group in person.groups.items():
            by_cell[(dimension, group)].append(person)
    cells: list[Cell] = []
    for dimension in sorted({d for d, _ in by_cell}):
        groups = {g: members for (d, g), members in by_cell.items() if d == dimension}
        rates = {g: _rate(m) for g, m in groups.items() if len(m) >= MIN_CELL}
        best = max(rates.values(), default=0.0)
        for group in sorted(rates):
            members = groups[group]
            scores = [p.score for p in members if p.score is not None]
            rate = rates[group]
            warning = (
                f"match rate {rate:.0%} is below four fifths of the best group's {best:.0%}"
                if best > 0 and rate < FOUR_FIFTHS * best
                else None
            )
            cells.append(
                Cell(
                    dimension,
                    group,
                    len(members),
                    len(scores),
                    round(rate, 4),
                    round(statistics.fmean(scores), 4) if scores else None,
                    round(statistics.median(scores), 4) if scores else None,
                    False,
                    warning,
                )
            )
        if len(rates) < len(groups):
            cells.append(Cell(dimension, SUPPRESSED_GROUPS, None, None, None, None, None, True, None))
    return cells


def grade_band(grade: int, ladder: list[str], band_size: int = 3) -> str:
    """Bands of `band_size` grades, named by the ladder: "Intern to Analyst"."""
    low = grade - grade % band_size
    high = max(low, min(low + band_size - 1, len(ladder) - 1))
    return f"{_grade_name(low, ladder)} to {_grade_name(high, ladder)}"


def _grade_name(grade: int, ladder: list[str]) -> str:
    return ladder[grade] if 0 <= grade < len(ladder) else f"grade {grade}"


def _rate(members: list[Person]) -> float:
    return sum(p.score is not None for p in members) / len(members)
