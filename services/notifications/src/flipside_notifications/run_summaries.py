"""The worker that tells a program's leads, once per match run, who the run left without a partner.

Matching announces each unmatched person on their own (`ParticipantUnmatched`, sharing the run's id) and says
nowhere how many there will be, so a run counts as complete once no one has been added to it for
`FLIPSIDE_NOTIFICATIONS_UNMATCHED_QUIET_SECONDS`."""

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

RUNS_PER_ROUND = 20


class RunSummaries:
    def __init__(self, notices: Notices, settings: NotificationSettings, clock: Clock) -> None:
        self._notices = notices
        self._quiet = timedelta(seconds=settings.unmatched_quiet_seconds)
        self._clock = clock

    async def run(self, runtime: Runtime[NotificationsRepository]) -> None:
        # Checking a few times per quiet period keeps a summary at most that much later than the period.
        idle = max(self._quiet.total_seconds() / 4, 0.1)
        await drain_forever(partial(self.summarise, runtime.units), RUNS_PER_ROUND, idle)

    async def summarise(self, units: UnitOfWorkFactory[NotificationsRepository]) -> int:
        """One round: the quiet runs' summaries owed, in one transaction; how many runs were taken."""
        async with units.begin() as uow:
            return await self._notices.summarise_quiet_runs(uow, self._clock.now(), self._quiet, RUNS_PER_ROUND)
