"""When a person can meet: their working hours in their own time zone, minus holidays, absences,
other sessions and what is left of their monthly time budget.

Candidate slots are walked in UTC and converted to each person's local time, so a
local time that does not exist (spring forward) or repeats (fall back) never has
to be constructed: every UTC instant has exactly one local reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from uuid import UUID
from zoneinfo import ZoneInfo

import holidays.countries  # every country's holidays loaded now, not by the first booking: see `_public_holidays`

from flipside_shared.events import WorkingHours
from flipside_shared.time_zones import zone_named

GRID = timedelta(minutes=15)
DAY = timedelta(days=1)

Interval = tuple[datetime, datetime]


@lru_cache(maxsize=256)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    # `holidays` would import every country's module on its first lookup (0.5 s, about 2.7 s on a busy benchmark
    # host), inside the first booking's transaction with its people locked: the import at the top moves that to
    # the service's start.
    return frozenset(holidays.country_holidays(country, years=year))


@dataclass(frozen=True)
class Attendee:
    """What scheduling keeps of a participant: when they work, where, and how much time they give."""

    participant_id: UUID
    time_zone: str
    working_hours: tuple[WorkingHours, ...]
    country: str | None = None
    hours_per_month: int | None = None


@dataclass(frozen=True)
class Absence:
    """Days away (vacation, leave), inclusive, in the participant's own calendar."""

    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class Availability:
    attendee: Attendee
    busy: tuple[Interval, ...] = ()
    """Their booked sessions: each blocks its time and counts against the month it starts in."""
    absences: tuple[Absence, ...] = ()
    time_zone: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "time_zone", zone_named(self.attendee.time_zone))

    @classmethod
    def of(cls, attendee: Attendee, busy: Iterable[Interval] = (), absences: Iterable[Absence] = ()) -> Availability:
        return cls(attendee, tuple(busy), tuple(absences))

    def without(self, interval: Interval) -> Availability:
        """The same person as if one of their sessions were not booked (to move it)."""
        return Availability(self.attendee, tuple(b for b in self.busy if b != interval), self.absences)

    def is_holiday(self, day: date) -> bool:
        country = self.attendee.country
        return country is not None and day in _public_holidays(country, day.year)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def conflict(self, start: datetime, end: datetime, budget: bool = True) -> str | None:
        """Why this person cannot meet from `start` to `end`, or None when they can."""
        local_start, local_end = start.astimezone(self.time_zone), end.astimezone(self.time_zone)
        day = local_start.date()
        if not self._within_working_hours(local_start, local_end):
            return "outside their working hours"
        if self.is_holiday(day):
            return "a public holiday where they work"
        if any(absence.covers(day) for absence in self.absences):
            return "during their absence"
        if any(start < busy_end and busy_start < end for busy_start, busy_end in self.busy):
            return "during another of their sessions"
        if budget and self.minutes_left(local_start) < (end - start).total_seconds() / 60:
            return f"over their monthly time budget of {self.attendee.hours_per_month} hours"
        return None

    def can_meet(self, start: datetime, end: datetime, budget: bool = True) -> bool:
        return self.conflict(start, end, budget) is None

    def earliest_within_working_hours(self, start: datetime, duration: timedelta) -> datetime:
        """`start` if a meeting of `duration` then lies inside this person's working hours; otherwise a later
        moment no meeting starting between the two does: the next start of a working period that day, or the
        next midnight (their clock's).

        A walk of the grid jumps there instead of trying every slot of a night or a weekend one by one.
        """
        local_start = start.astimezone(self.time_zone)
        if self._within_working_hours(local_start, (start + duration).astimezone(self.time_zone)):
            return start
        wall = local_start.replace(tzinfo=None)
        later = [
            hours.start
            for hours in self.attendee.working_hours
            if hours.weekday == wall.weekday() and hours.start > wall.time()
        ]
        next_wall = datetime.combine(wall.date(), min(later)) if later else datetime.combine(wall.date(), time()) + DAY
        jump = start + (next_wall - wall)
        # The wall clock's gap is the time elapsed only if the offset stays the same over every meeting skipped,
        # their ends included: around a change of offset, no jump.
        offset = local_start.utcoffset()
        if jump.astimezone(self.time_zone).utcoffset() != offset:
            return start
        if (jump + duration).astimezone(self.time_zone).utcoffset() != offset:
            return start
        return jump

    def _within_working_hours(self, local_start: datetime, local_end: datetime) -> bool:
        return local_end.date() == local_start.date() and any(
            hours.weekday == local_start.weekday()
            and hours.start <= local_start.time()
            and local_end.time() <= hours.end
            for hours in self.attendee.working_hours
        )

    def minutes_left(self, local_moment: datetime) -> float:
        """What remains of the monthly budget in the local month of `local_moment`."""
        if self.attendee.hours_per_month is None:
            return float("inf")
        booked = 0.0
        for start, end in self.busy:
            local = start.astimezone(self.time_zone)
            if (local.year, local.month) == (local_moment.year, local_moment.month):
                booked += (end - start).total_seconds() / 60
        return self.attendee.hours_per_month * 60 - booked

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """The end of the `days`-th business day after `start`, in this person's calendar."""
        day = start.astimezone(self.time_zone).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return datetime.combine(day + timedelta(days=1), datetime.min.time(), self.time_zone)


def earliest_common_slot(
    people: list[Availability], not_before: datetime, until: datetime, duration: timedelta, budget: bool = True
) -> datetime | None:
    """The first start on the 15-minute grid at which everyone can meet for `duration`."""
    return next(common_slots(people, not_before, until, duration, budget), None)


def common_slots(
    people: list[Availability], not_before: datetime, until: datetime, duration: timedelta, budget: bool = True
) -> Iterator[datetime]:
    """Every start on the 15-minute grid, in order, at which everyone can meet for `duration`."""
    start = round_up(not_before)
    while start + duration <= until:
        unable = next((person for person in people if not person.can_meet(start, start + duration, budget)), None)
        if unable is None:
            yield start
            start += GRID
        else:
            # Outside that person's working hours, the slots up to their next working period are skipped unseen.
            start = max(start + GRID, round_up(unable.earliest_within_working_hours(start, duration)))


def round_up(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0, minute=moment.minute - moment.minute % 15)
    return floor if floor == moment else floor + GRID
