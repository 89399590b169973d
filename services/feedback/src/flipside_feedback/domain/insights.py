"""Aggregate figures that keep confidences: every cell describes a set of distinct people, and is
withheld when that set is smaller than MIN_GROUP_SIZE (k-anonymity).

A figure is tabulated over the whole program and over cuts (department, grade band, week or month).
Within a cut, withholding one small cell is not enough while the program total is shown: the total
minus the shown cells gives the withheld cells back. So the withheld cells of a cut must together
describe at least MIN_GROUP_SIZE known people; until they do, the smallest shown cell is withheld too
(with one small cell withheld, that is the classic second, complementary suppression).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .survey import MIN_GROUP_SIZE

PROGRAM = "program"
WHOLE_PROGRAM = "all"
NOT_STATED = "not stated"


class Measure(StrEnum):
    COUNT = "count"
    """Distinct records: people enrolled."""
    SHARE = "share"
    """Mean of yes (1) / no (0) per record, 0..1: proposals accepted, goals achieved."""
    MEAN = "mean"
    """Mean of a rating per record."""
    CHANGE = "change"
    """Mean of a difference per record: end minus baseline."""


class Withheld(StrEnum):
    FEWER_THAN_K = "fewer_than_k"
    """The cell describes fewer than MIN_GROUP_SIZE people."""
    COMPLEMENT = "complement"
    """The cell is big enough, but showing it would let a smaller withheld cell be worked out."""


@dataclass(frozen=True)
class Observation:
    """One person's part in one record: their response, their goal, a session they were in."""

    record: Hashable
    """Records are counted once per cell, however many of their people fall into it."""
    person: Hashable | None
    """None when the record's people are unknown: it counts in the figures but makes no group bigger."""
    groups: Mapping[str, str]
    """Dimension -> this observation's group in it (department, grade band, period)."""
    value: float


@dataclass(frozen=True)
class Cell:
    group: str
    value: float | None
    people: int | None
    withheld: Withheld | None

    @property
    def suppressed(self) -> bool:
        return self.withheld is not None


@dataclass(frozen=True)
class Cut:
    dimension: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    measure: Measure
    cuts: tuple[Cut, ...]
    """The whole program first (dimension PROGRAM, one cell), then one cut per dimension."""
    of_answers: bool = False
    """Of what people answered: shown for closed periods only. Otherwise live, of events the lead sees anyway."""
    up_to: datetime | None = None
    """Of answers: the end of the last closed period covered; None until one holds enough people."""

    @property
    def program(self) -> Cell:
        return self.cuts[0].cells[0]


@dataclass(frozen=True)
class _Tally:
    group: str
    people: frozenset[Hashable]
    value: float


def tabulate(
    key: str, label: str, measure: Measure, observations: Iterable[Observation], dimensions: Sequence[str]
) -> Figure:
    observations = list(observations)
    program = _withhold({WHOLE_PROGRAM: observations}, measure) if observations else (_nothing_recorded(measure),)
    cuts = [Cut(PROGRAM, program)]
    for dimension in dimensions:
        by_group: dict[str, list[Observation]] = defaultdict(list)
        for observation in observations:
            by_group[observation.groups.get(dimension, NOT_STATED)].append(observation)
        cuts.append(Cut(dimension, _withhold(by_group, measure)))
    return Figure(key, label, measure, tuple(cuts))


def _nothing_recorded(measure: Measure) -> Cell:
    """Nothing recorded describes no one: said as such (no people), not as a withheld cell."""
    return Cell(WHOLE_PROGRAM, 0 if measure is Measure.COUNT else None, 0, None)


def _withhold(by_group: Mapping[str, list[Observation]], measure: Measure) -> tuple[Cell, ...]:
    tallies = [_tally(group, members, measure) for group, members in by_group.items()]
    withheld = {t.group: Withheld.FEWER_THAN_K for t in tallies if len(t.people) < MIN_GROUP_SIZE}
    shown = sorted((t for t in tallies if t.group not in withheld), key=lambda t: (len(t.people), t.group))
    while shown and withheld and len(_people_of(t for t in tallies if t.group in withheld)) < MIN_GROUP_SIZE:
        withheld[shown.pop(0).group] = Withheld.COMPLEMENT
    return tuple(
        Cell(t.group, None, None, withheld[t.group])
        if t.group in withheld
        else Cell(t.group, t.value, len(t.people), None)
        for t in sorted(tallies, key=lambda t: (t.group == NOT_STATED, t.group))
    )


def _tally(group: str, members: list[Observation], measure: Measure) -> _Tally:
    values = {o.record: o.value for o in members}
    people = frozenset(o.person for o in members if o.person is not None)
    if measure is Measure.COUNT:
        return _Tally(group, people, len(values))
    digits = 3 if measure is Measure.SHARE else 2
    return _Tally(group, people, round(statistics.fmean(values.values()), digits))


def _people_of(tallies: Iterable[_Tally]) -> frozenset[Hashable]:
    return frozenset().union(*(t.people for t in tallies))
