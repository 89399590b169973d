"""The timers that follow every session, and what a timer found overdue after an outage does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .booking import Booked
from .policy import SchedulingPolicy

TimerKind = Literal["reminder", "check_in"]


@dataclass(frozen=True)
class TimerPlan:
    kind: TimerKind
    due_at: datetime
    minutes_before: int = 0


def timers_for(booked: Booked, policy: SchedulingPolicy, now: datetime) -> list[TimerPlan]:
    """Reminders still ahead (a session booked tomorrow morning gets no 24-hour reminder), then the check-in."""
    reminders = [
        TimerPlan("reminder", booked.starts_at - lead, int(lead.total_seconds() // 60))
        for lead in policy.reminders_before
        if booked.starts_at - lead > now
    ]
    return [*reminders, TimerPlan("check_in", booked.ends_at)]


def fires_when_overdue(kind: TimerKind, session_start: datetime, now: datetime) -> bool:
    """After an outage: a reminder for a session already begun is pointless; a check-in still matters."""
    return kind == "check_in" or now < session_start
