"""Booking a pair's kickoff, and the timers that follow every session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .calendar import Availability, earliest_common_slot


@dataclass(frozen=True)
class SchedulingPolicy:
    session_minutes: int = 45
    min_notice: timedelta = timedelta(hours=24)
    kickoff_within_business_days: int = 5
    reminders_before: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))


@dataclass(frozen=True)
class Booked:
    starts_at: datetime
    duration: timedelta


@dataclass(frozen=True)
class NoSlot:
    reason: str


def book_kickoff(mentor: Availability, mentee: Availability, now: datetime, policy: SchedulingPolicy) -> Booked | NoSlot:
    """The earliest slot in both people's working hours, within the mentee's next business days."""
    duration = timedelta(minutes=policy.session_minutes)
    not_before = now + policy.min_notice
    until = mentee.add_business_days(not_before, policy.kickoff_within_business_days)
    start = earliest_common_slot([mentor, mentee], not_before, until, duration)
    if start is None:
        return NoSlot(
            f"no {policy.session_minutes}-minute slot inside both participants' working hours, "
            f"free of holidays and other sessions, within {policy.kickoff_within_business_days} business days"
        )
    return Booked(start, duration)


TimerKind = Literal["reminder", "check_in"]


@dataclass(frozen=True)
class TimerPlan:
    kind: TimerKind
    due_at: datetime
    minutes_before: int = 0


def timers_for(booked: Booked, policy: SchedulingPolicy) -> list[TimerPlan]:
    reminders = [
        TimerPlan("reminder", booked.starts_at - lead, int(lead.total_seconds() // 60)) for lead in policy.reminders_before
    ]
    return [*reminders, TimerPlan("check_in", booked.starts_at + booked.duration)]


def fires_when_overdue(kind: TimerKind, session_start: datetime, now: datetime) -> bool:
    """After an outage: a reminder for a session already begun is pointless; a check-in still matters."""
    return kind == "check_in" or now < session_start
