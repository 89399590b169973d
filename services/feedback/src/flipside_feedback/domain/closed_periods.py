"""Figures from people's own answers are shown for closed periods only, so two reads of live figures,
one just before and one just after somebody answers, cannot be subtracted to give that answer back.

Periods are ISO weeks or calendar months in the program's time zone. An answer is dated by the moment
it became final (a check-in when its link expired, a goal when it was set or achieved), so an answer
never lands in a period that has ended. The figures move on from one period's end to a later one's
only once the people who answered in between are at least MIN_GROUP_SIZE: what changes from one
publication to the next is then itself an aggregate over enough people.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .survey import MIN_GROUP_SIZE

ClosingUnit = Literal["week", "month"]


@dataclass(frozen=True)
class Closing:
    unit: ClosingUnit = "week"
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def start_of(self, moment: datetime) -> datetime:
        """The start of the period that holds `moment`: Monday 00:00 or the 1st 00:00, in the program's zone."""
        day = moment.astimezone(self.zone).date()
        first = day - timedelta(days=day.weekday()) if self.unit == "week" else day.replace(day=1)
        return datetime.combine(first, time(), self.zone)

    def has_ended(self, moment: datetime, now: datetime) -> bool:
        """Whether the period that holds `moment` is over by `now`: what was answered in it may be in published figures."""
        return moment < self.start_of(now)

    def end_of(self, start: datetime) -> datetime:
        first = start.date()
        following = (
            first + timedelta(days=7)
            if self.unit == "week"
            else (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        )
        return datetime.combine(following, time(), self.zone)


def published_until(answered: Iterable[tuple[datetime, Hashable]], closing: Closing, now: datetime) -> datetime | None:
    """The end of the last closed period the figures reach, given when each person's answer became final;
    None while no closed periods hold MIN_GROUP_SIZE people."""
    open_period = closing.start_of(now)
    by_period: dict[datetime, set[Hashable]] = {}
    for moment, person in answered:
        if moment < open_period:
            by_period.setdefault(closing.start_of(moment), set()).add(person)
    until, since_until = None, set()
    for start in sorted(by_period):
        since_until |= by_period[start]
        if len(since_until) >= MIN_GROUP_SIZE:
            until, since_until = closing.end_of(start), set()
    return until.astimezone(UTC) if until else None
