"""When two people can meet: weekly working hours, each in their own time zone, week by week.

Hours are laid on a UTC grid of 15-minute slots for every week of the program, so
daylight-saving changes on either side (which do not happen on the same dates
everywhere) move the hours exactly as they move for the people themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from flipside_shared.events import WorkingHours
from flipside_shared.time_zones import zone_named

SLOT_MINUTES = 15
SLOTS_PER_WEEK = 7 * 24 * 60 // SLOT_MINUTES

Pattern = tuple[str, tuple[tuple[int, int, int], ...]]


def first_monday_after(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def pattern_of(time_zone: str, hours: Sequence[WorkingHours]) -> Pattern:
    """What determines someone's weekly availability; people who share it share a row."""
    return time_zone, tuple(sorted((h.weekday, _minute(h.start), _minute(h.end)) for h in hours))


# Patterns repeat (an office's usual hours) and each enrolment matched at once ranks against every waiting
# pattern again: laying one on the grid is hundreds of time-zone conversions, so each is laid once, read-only.
@lru_cache(maxsize=4096)
def weekly_slots(pattern: Pattern, first_week: date, weeks: int) -> np.ndarray:
    """Slots worked, as booleans of shape (weeks, SLOTS_PER_WEEK), from `first_week` (a Monday) 00:00 UTC."""
    zone_name, hours = pattern
    zone = zone_named(zone_name)
    origin = datetime(first_week.year, first_week.month, first_week.day, tzinfo=UTC)
    grid = np.zeros(weeks * SLOTS_PER_WEEK, dtype=bool)
    # Local days one before and one after the grid can reach into it across the date line.
    for offset in range(-1, weeks * 7 + 1):
        local_day = first_week + timedelta(days=offset)
        for weekday, start, end in hours:
            if weekday != local_day.weekday():
                continue
            begins = _utc(local_day, start, zone) - origin
            ends = _utc(local_day, end, zone) - origin
            first = max(0, -(-int(begins.total_seconds()) // (SLOT_MINUTES * 60)))
            last = min(grid.size, int(ends.total_seconds()) // (SLOT_MINUTES * 60))
            if first < last:
                grid[first:last] = True
    grid.flags.writeable = False
    return grid.reshape(weeks, SLOTS_PER_WEEK)


PAIRS_ONE_BY_ONE_UP_TO = 1024
"""The most pairs of patterns whose overlaps are taken one by one from `_least_overlap`'s cache rather than worked
out together: a rolling arrival's spaces, a newcomer against a few dozen, whose patterns have mostly been met
before (an office's usual hours). Laying each side on the grid again cost more than all the rest of such a space."""

WEEKS_AT_ONCE_UP_TO = 1_000_000
"""The most overlaps (pairs of patterns x weeks) worked out in one product; larger sides go week by week, so a
whole company's patterns never hold every week's overlaps at once. A newcomer's few patterns take one call."""


class Availability:
    """Weekly overlap of working hours between the availability patterns of one side (rows) and of the other
    (columns): the least over the program's weeks.

    Only the two sides' overlap is worked out: a newcomer ranked against hundreds of patterns costs one row of them,
    not every pattern against every other."""

    def __init__(
        self, row_patterns: Sequence[Pattern], col_patterns: Sequence[Pattern], first_week: date, weeks: int
    ) -> None:
        if len(row_patterns) * len(col_patterns) <= PAIRS_ONE_BY_ONE_UP_TO:
            least = np.array(
                [[_least_overlap(row, col, first_week, weeks) for col in col_patterns] for row in row_patterns],
                dtype=np.int32,
            ).reshape(len(row_patterns), len(col_patterns))
        else:
            least = _together(row_patterns, col_patterns, first_week, weeks)
        row_shortest, col_shortest = (
            np.array([_shortest_week_of(p, first_week, weeks) for p in side], dtype=np.int32)
            for side in (row_patterns, col_patterns)
        )
        self.overlap_minutes = SLOT_MINUTES * least
        """Minutes both patterns work in the same week, in the worst week of the program: (rows, columns)."""
        self.row_weekly_minutes = SLOT_MINUTES * row_shortest
        """Minutes each row pattern works in its shortest week."""
        self.col_weekly_minutes = SLOT_MINUTES * col_shortest


def _together(
    row_patterns: Sequence[Pattern], col_patterns: Sequence[Pattern], first_week: date, weeks: int
) -> np.ndarray:
    """Slots both of each pair work in their worst week, from each side's grids at once: one product for every week,
    or week by week when that would hold too many."""
    rows, cols = _slots(row_patterns, first_week, weeks), _slots(col_patterns, first_week, weeks)
    if len(row_patterns) * len(col_patterns) * weeks <= WEEKS_AT_ONCE_UP_TO:
        least = np.matmul(rows.transpose(1, 0, 2), cols.transpose(1, 2, 0)).min(axis=0, initial=np.inf)
    else:
        least = np.full((len(row_patterns), len(col_patterns)), np.inf, dtype=np.float32)
        for week in range(weeks):
            np.minimum(least, rows[:, week] @ cols[:, week].T, out=least)
    together: np.ndarray = least.astype(np.int32)
    return together


@lru_cache(maxsize=16_384)
def _least_overlap(row: Pattern, col: Pattern, first_week: date, weeks: int) -> int:
    """Slots both patterns work in the same week, in the worst week: as `Availability` works them out together."""
    both = weekly_slots(row, first_week, weeks) & weekly_slots(col, first_week, weeks)
    return int(both.sum(axis=1).min())


@lru_cache(maxsize=4096)
def _shortest_week_of(pattern: Pattern, first_week: date, weeks: int) -> int:
    """Slots the pattern works in its shortest week."""
    return int(weekly_slots(pattern, first_week, weeks).sum(axis=1).min())


def _slots(patterns: Sequence[Pattern], first_week: date, weeks: int) -> np.ndarray:
    slots = np.zeros((len(patterns), weeks, SLOTS_PER_WEEK), dtype=np.float32)
    for index, pattern in enumerate(patterns):
        slots[index] = weekly_slots(pattern, first_week, weeks)
    return slots


def _minute(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _utc(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as UTC. A time skipped by a DST change is read with the offset before it,
    a repeated one as its first occurrence (fold 0), as a calendar app would."""
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone).astimezone(UTC)
