"""Time is injected: every service's handlers, routes and workers ask a clock, so tests and demos control it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class AcceleratedClock:
    """Simulated time running `rate` times faster than real time from `epoch`, `offset` ahead of it.

    Every replica must share the epoch so they agree on what time it is.
    """

    epoch: datetime
    rate: float
    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return self.epoch + (datetime.now(UTC) - self.epoch) * self.rate + self.offset


@dataclass
class FixedClock:
    """A clock that moves only when told to."""

    current: datetime

    def now(self) -> datetime:
        return self.current
