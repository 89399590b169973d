"""Scheduling's own settings, beside those every service has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import Field, model_validator

from flipside_shared.clock import AcceleratedClock, Clock, SystemClock
from flipside_shared.settings import ServiceSettings
from flipside_shared.signing_secrets import SigningSecret

from .domain.feeds import FeedKey, feed_token
from .domain.policy import SchedulingPolicy


class SchedulingSettings(ServiceSettings):
    http_port: int = 8002
    min_notice_hours: float = Field(default=24, ge=0, validation_alias="FLIPSIDE_SCHEDULING_MIN_NOTICE_HOURS")
    reminder_minutes_before: list[int] = Field(
        default=[1440, 60], validation_alias="FLIPSIDE_SCHEDULING_REMINDER_MINUTES_BEFORE"
    )
    timer_poll_seconds: float = Field(default=0.5, gt=0, validation_alias="FLIPSIDE_SCHEDULING_TIMER_POLL_SECONDS")
    timer_batch_size: int = Field(default=200, ge=1, validation_alias="FLIPSIDE_SCHEDULING_TIMER_BATCH_SIZE")
    clock_rate: float = Field(
        default=1.0,
        gt=0,
        validation_alias="FLIPSIDE_SCHEDULING_CLOCK_RATE",
        description="Simulated seconds per real second; above 1 only for demos and end-to-end tests.",
    )
    clock_epoch: datetime | None = Field(
        default=None,
        validation_alias="FLIPSIDE_SCHEDULING_CLOCK_EPOCH",
        description="Where simulated time starts (ISO 8601 with offset); every replica must share it.",
    )
    clock_offset: timedelta = Field(
        default=timedelta(0),
        validation_alias="FLIPSIDE_SCHEDULING_CLOCK_OFFSET",
        description="How far ahead of real time the service believes it is (ISO 8601 duration, e.g. P1D): for outage drills and tests.",
    )

    feed_secret: SigningSecret = Field(
        validation_alias="FLIPSIDE_SCHEDULING_FEED_SECRET",
        description="HMAC key of calendar feed addresses (notifications makes them with it): required, at least 32 random "
        "bytes (changing it revokes all).",
    )
    public_base_url: str | None = Field(
        default=None,
        validation_alias="FLIPSIDE_SCHEDULING_PUBLIC_BASE_URL",
        description="Where calendar apps reach this service; defaults to its own address.",
    )

    def feed_url(self, key: FeedKey) -> str:
        """The address of a participant's calendar feed, with its token: the one a rotation answers its owner with."""
        token = feed_token(key, self.feed_secret.get_secret_value().encode())
        return f"{self.base_url(self.public_base_url)}/calendars/{token}.ics"

    @model_validator(mode="after")
    def _epoch_with_rate(self) -> SchedulingSettings:
        if self.clock_rate != 1.0 and self.clock_epoch is None:
            raise ValueError("FLIPSIDE_SCHEDULING_CLOCK_EPOCH is required when FLIPSIDE_SCHEDULING_CLOCK_RATE is not 1")
        return self

    def clock(self) -> Clock:
        if self.clock_rate == 1.0 and not self.clock_offset:
            return SystemClock()
        return AcceleratedClock(self.clock_epoch or datetime.now(UTC), self.clock_rate, self.clock_offset)

    def policy(self) -> SchedulingPolicy:
        return SchedulingPolicy(
            min_notice=timedelta(hours=self.min_notice_hours),
            reminders_before=tuple(timedelta(minutes=m) for m in self.reminder_minutes_before),
        )
