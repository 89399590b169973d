"""Finding time: the kickoff, the next session of the series, and a move that someone asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

from .calendar import Availability, common_slots, earliest_common_slot
from .policy import ProgramSchedule, SchedulingPolicy
from .series import Series

RESCHEDULE_HORIZON = timedelta(days=28)
"""How far ahead a move without a chosen time looks for the earliest slot."""


@dataclass(frozen=True)
class Booked:
    starts_at: datetime
    duration: timedelta

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration


@dataclass(frozen=True)
class NoSlot:
    reason: str


@dataclass(frozen=True)
class Occurrence:
    index: int
    booked: Booked


@dataclass(frozen=True)
class Skipped:
    index: int
    reason: str


def book_kickoff(
    mentor: Availability,
    mentee: Availability,
    now: datetime,
    schedule: ProgramSchedule,
    policy: SchedulingPolicy,
) -> Booked | NoSlot:
    """The earliest slot in both people's working hours, within the mentee's next business days."""
    not_before = now + policy.min_notice
    until = mentee.add_business_days(not_before, schedule.kickoff_within_business_days)
    return _earliest([mentor, mentee], not_before, until, schedule.duration) or NoSlot(
        _no_slot_reason(
            [mentor, mentee],
            not_before,
            until,
            schedule.duration,
            f"within {schedule.kickoff_within_business_days} business days",
        )
    )


def book_next(
    mentor: Availability,
    mentee: Availability,
    series: Series,
    after: int,
    now: datetime,
    policy: SchedulingPolicy,
) -> tuple[Occurrence | None, list[Skipped]]:
    """The first occurrence after `after` that finds time in its period, and those skipped on the way;
    no occurrence when the program is over first."""
    skipped: list[Skipped] = []
    for index in count(after + 1):
        period = series.period(index)
        if period is None:
            return None, skipped
        not_before, until = max(period[0], now + policy.min_notice), period[1]
        if not_before + series.duration > until:
            skipped.append(Skipped(index, "its period had passed before it could be booked"))
            continue
        booked = _earliest([mentor, mentee], not_before, until, series.duration)
        if booked is not None:
            return Occurrence(index, booked), skipped
        skipped.append(
            Skipped(index, _no_slot_reason([mentor, mentee], not_before, until, series.duration, "in its period"))
        )
    raise AssertionError("unreachable: a series ends")


def reschedule(
    mentor: Availability,
    mentee: Availability,
    current: Booked,
    requested: datetime | None,
    now: datetime,
    policy: SchedulingPolicy,
) -> Booked | NoSlot:
    """Move a session to `requested`, if both can meet then, or to the earliest other slot both can meet."""
    interval = (current.starts_at, current.ends_at)
    if requested is None:
        # The session still blocks its own time, so the earliest slot found is another one.
        not_before = now + policy.min_notice
        until = not_before + RESCHEDULE_HORIZON
        return _earliest([mentor, mentee], not_before, until, current.duration) or NoSlot(
            _no_slot_reason(
                [mentor, mentee], not_before, until, current.duration, f"in the next {RESCHEDULE_HORIZON.days} days"
            )
        )
    if requested <= now:
        return NoSlot(f"{requested.isoformat()} has already passed")
    if requested == current.starts_at:
        return NoSlot("the session already starts then")
    end = requested + current.duration
    for role, person in (("mentor", mentor), ("mentee", mentee)):
        if (why := person.without(interval).conflict(requested, end)) is not None:
            return NoSlot(f"the {role} cannot meet then: {why}")
    return Booked(requested, current.duration)


def free_slots(
    mentor: Availability,
    mentee: Availability,
    current: Booked,
    now: datetime,
    policy: SchedulingPolicy,
    count: int,
) -> list[Booked]:
    """Up to `count` times, earliest first and not overlapping one another, that a move of `current` to
    them would accept: both can meet (as if `current` were not booked), with the minimum notice, within
    the horizon of a move."""
    interval = (current.starts_at, current.ends_at)
    people = [mentor.without(interval), mentee.without(interval)]
    not_before = now + policy.min_notice
    offered: list[Booked] = []
    for start in common_slots(people, not_before, not_before + RESCHEDULE_HORIZON, current.duration):
        if len(offered) == count:
            break
        if start == current.starts_at or (offered and start < offered[-1].ends_at):
            continue
        offered.append(Booked(start, current.duration))
    return offered


def _earliest(people: list[Availability], not_before: datetime, until: datetime, duration: timedelta) -> Booked | None:
    start = earliest_common_slot(people, not_before, until, duration)
    return None if start is None else Booked(start, duration)


def _no_slot_reason(
    people: list[Availability], not_before: datetime, until: datetime, duration: timedelta, where: str
) -> str:
    minutes = int(duration.total_seconds() // 60)
    if earliest_common_slot(people, not_before, until, duration, budget=False) is not None:
        return f"no {minutes}-minute slot {where} within both participants' monthly time budgets"
    return (
        f"no {minutes}-minute slot inside both participants' working hours, "
        f"free of holidays, absences and other sessions, {where}"
    )
