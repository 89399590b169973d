"""The worker that gives a program's leads, once a week, a digest of what happened in their program.

What happened is counted as events are taken, by the week (Monday to Sunday, UTC) the event was published in;
once that week has ended and nothing more was counted in it for `FLIPSIDE_NOTIFICATIONS_WEEK_QUIET_SECONDS`, its
counts are owed to the program's leads as one digest and dropped."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flipside_shared.clock import Clock
from flipside_shared.polling import drain_forever
from flipside_shared.service import Runtime
from flipside_shared.unit_of_work import UnitOfWorkFactory

from .notices import Notices
from .repository import NotificationsRepository
from .settings import NotificationSettings

WEEKS_PER_ROUND = 20


class WeeklyDigests:
    def __init__(self, notices: Notices, settings: NotificationSettings, clock: Clock) -> None:
        self._notices = notices
        self._poll_seconds = settings.weekly_digest_poll_seconds
        self._quiet = timedelta(seconds=settings.week_quiet_seconds)
        self._clock = clock

    async def run(self, runtime: Runtime[NotificationsRepository]) -> None:
        await drain_forever(partial(self.digest, runtime.units), WEEKS_PER_ROUND, self._poll_seconds)

    async def digest(self, units: UnitOfWorkFactory[NotificationsRepository]) -> int:
        """One round: the ended weeks' digests owed, in one transaction; how many weeks were taken."""
        async with units.begin() as uow:
            return await self._notices.digest_ended_weeks(uow, self._clock.now(), self._quiet, WEEKS_PER_ROUND)
