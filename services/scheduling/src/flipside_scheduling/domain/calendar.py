"""When a person can meet: their working hours in their own time zone, minus holidays and bookings.

Candidate slots are walked in UTC and converted to each person's local time, so a
local time that does not exist (spring forward) or repeats (fall back) never has
to be constructed: every UTC instant has exactly one local reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from flipside_shared.events import PairMember, WorkingHours

GRID = timedelta(minutes=15)


@lru_cache(maxsize=256)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


@dataclass(frozen=True)
class Availability:
    time_zone: ZoneInfo
    working_hours: tuple[WorkingHours, ...]
    country: str | None = None
    busy: tuple[tuple[datetime, datetime], ...] = field(default=())

    @classmethod
    def of(cls, member: PairMember, busy: list[tuple[datetime, datetime]] = ()) -> Availability:
        return cls(ZoneInfo(member.time_zone), tuple(member.working_hours), member.country, tuple(busy))

    def is_holiday(self, day: date) -> bool:
        return self.country is not None and day in _public_holidays(self.country, day.year)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def can_meet(self, start: datetime, end: datetime) -> bool:
        local_start, local_end = start.astimezone(self.time_zone), end.astimezone(self.time_zone)
        if local_start.date() != local_end.date() or self.is_holiday(local_start.date()):
            return False
        within_hours = any(
            hours.weekday == local_start.weekday()
            and hours.start <= local_start.time()
            and local_end.time() <= hours.end
            for hours in self.working_hours
        )
        return within_hours and not any(start < busy_end and busy_start < end for busy_start, busy_end in self.busy)

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
    people: list[Availability], not_before: datetime, until: datetime, duration: timedelta
) -> datetime | None:
    """The first start on the 15-minute grid at which everyone can meet for `duration`."""
    start = _round_up(not_before)
    while start + duration <= until:
        if all(person.can_meet(start, start + duration) for person in people):
            return start
        start += GRID
    return None


def _round_up(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0, minute=moment.minute - moment.minute % 15)
    return floor if floor == moment else floor + GRID
