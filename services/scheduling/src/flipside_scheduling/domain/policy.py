"""How often and how long a program's pairs meet, and what a deployment adds around every session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Cadence = Literal["weekly", "fortnightly", "monthly"]


class ProgramSchedule(BaseModel):
    """A program's rhythm, set by its lead; programs that never set one get these defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cadence: Cadence = Field("fortnightly", description="How often a pair meets after its kickoff.")
    session_minutes: int = Field(45, ge=15, le=240, description="Length of the kickoff and of every session.")
    kickoff_within_business_days: int = Field(
        5, ge=1, le=30, description="The kickoff happens within this many of the mentee's business days."
    )
    length_weeks: int = Field(26, ge=1, le=104, description="Sessions are booked until this long after the kickoff.")

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.session_minutes)


@dataclass(frozen=True)
class SchedulingPolicy:
    """Per deployment: how much notice a booking gives, and when reminders go out."""

    min_notice: timedelta = timedelta(hours=24)
    reminders_before: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
