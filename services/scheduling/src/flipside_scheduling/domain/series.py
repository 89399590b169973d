"""A pair's sessions after the kickoff: one per cadence period, at the kickoff's local time of day.

Occurrence k aims at the kickoff plus k periods on the mentee's wall clock (so their
Tuesday 10:00 stays Tuesday 10:00 across daylight-saving changes) and may land anywhere
in its period, up to the next target, when the aim is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta

from flipside_shared.time_zones import zone_named

from .policy import Cadence, ProgramSchedule


@dataclass(frozen=True)
class Series:
    anchor: datetime
    """The kickoff's start (UTC): occurrence 0."""
    time_zone: str
    """The mentee's: the wall clock the cadence keeps."""
    cadence: Cadence
    duration: timedelta
    ends_at: datetime

    @classmethod
    def after_kickoff(cls, kickoff_start: datetime, time_zone: str, schedule: ProgramSchedule) -> Series:
        return cls(
            anchor=kickoff_start,
            time_zone=time_zone,
            cadence=schedule.cadence,
            duration=schedule.duration,
            ends_at=kickoff_start + timedelta(weeks=schedule.length_weeks),
        )

    def target(self, occurrence: int) -> datetime:
        zone = zone_named(self.time_zone)
        wall_clock = self.anchor.astimezone(zone).replace(tzinfo=None)
        if self.cadence == "monthly":
            wall_clock += relativedelta(months=occurrence)
        else:
            wall_clock += timedelta(weeks=occurrence * (1 if self.cadence == "weekly" else 2))
        # A wall-clock time skipped by a spring-forward change reads as the hour after it.
        return wall_clock.replace(tzinfo=zone).astimezone(UTC)

    def period(self, occurrence: int) -> tuple[datetime, datetime] | None:
        """Where occurrence k may land, or None when the program is over by then."""
        start = self.target(occurrence)
        if start >= self.ends_at:
            return None
        return start, min(self.target(occurrence + 1), self.ends_at)
