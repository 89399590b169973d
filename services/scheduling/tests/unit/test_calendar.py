"""The grid walk that jumps over nights and weekends finds exactly the slots that trying every slot finds."""

from datetime import UTC, datetime, time, timedelta
from uuid import uuid4

import pytest

from flipside_scheduling.domain.calendar import GRID, Attendee, Availability, common_slots, round_up
from flipside_shared.events import WorkingHours

# Zones with changes of offset in March, April, October and November 2026, a half-hour and a 45-minute offset,
# and one that changes by half an hour.
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/Santiago",
    "Pacific/Apia",
)
HOURS = {
    "office": [(d, time(9), time(17)) for d in range(5)],
    "early and late": [(d, time(6, 10), time(8)) for d in range(7)] + [(d, time(20), time(23, 50)) for d in range(7)],
    "night of the change": [(6, time(0, 30), time(4)), (5, time(22), time(23, 59))],
    "weekends": [(5, time(10), time(14)), (6, time(1, 45), time(3, 15))],
}
# Weeks around each change of offset of these zones in 2026, and one with none.
WEEKS = (
    datetime(2026, 3, 5, tzinfo=UTC),
    datetime(2026, 3, 26, tzinfo=UTC),
    datetime(2026, 4, 1, tzinfo=UTC),
    datetime(2026, 6, 10, tzinfo=UTC),
    datetime(2026, 9, 3, tzinfo=UTC),
    datetime(2026, 9, 24, tzinfo=UTC),
    datetime(2026, 10, 22, tzinfo=UTC),
    datetime(2026, 10, 29, tzinfo=UTC),
)


def person(zone: str, hours: str) -> Availability:
    working = tuple(WorkingHours(weekday=d, start=start, end=end) for d, start, end in HOURS[hours])
    return Availability.of(Attendee(uuid4(), zone, working))


def every_slot(people: list[Availability], not_before: datetime, until: datetime, duration: timedelta) -> list:
    """The walk as it was: every slot of the grid tried."""
    slots, start = [], round_up(not_before)
    while start + duration <= until:
        if all(someone.can_meet(start, start + duration) for someone in people):
            slots.append(start)
        start += GRID
    return slots


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("hours", sorted(HOURS))
def test_jumping_finds_every_slot_that_trying_each_one_finds(zone: str, hours: str) -> None:
    alone, with_berlin = [person(zone, hours)], [person(zone, hours), person("Europe/Berlin", "office")]
    for week in WEEKS:
        not_before, until = week + timedelta(minutes=7), week + timedelta(days=8)
        for people in (alone, with_berlin):
            for duration in (timedelta(minutes=30), timedelta(minutes=100)):
                found = list(common_slots(people, not_before, until, duration))
                assert found == every_slot(people, not_before, until, duration)


def test_no_jump_over_meetings_that_end_after_the_clocks_go_back() -> None:
    # Berlin, Sunday 25 October 2026, 03:00 -> 02:00. From 00:15, 150 minutes end at 02:45, too late for the first
    # period, and the second starts at 01:00; yet from 00:30 they end at 02:00 on the clock turned back.
    periods = (
        WorkingHours(weekday=6, start=time(0), end=time(2, 30)),
        WorkingHours(weekday=6, start=time(1), end=time(5)),
    )
    night = [Availability.of(Attendee(uuid4(), "Europe/Berlin", periods))]
    not_before, until, duration = (
        datetime(2026, 10, 24, 22, 15, tzinfo=UTC),
        datetime(2026, 10, 25, 6, tzinfo=UTC),
        timedelta(minutes=150),
    )
    found = list(common_slots(night, not_before, until, duration))
    assert found[0] == datetime(2026, 10, 24, 22, 30, tzinfo=UTC)
    assert found == every_slot(night, not_before, until, duration)
