"""Silence is a signal only time reveals: a check-in that expires unanswered sends no event.
The watch re-judges the pairs whose requests expired since its last look."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import structlog

from flipside_shared.clock import Clock
from flipside_shared.service import Runtime

from .handlers import FeedbackLoop
from .repository import FeedbackRepository

log = structlog.get_logger(__name__)


class SilenceWatch:
    def __init__(self, loop: FeedbackLoop, clock: Clock, every_seconds: float) -> None:
        self._loop = loop
        self._clock = clock
        self._every = every_seconds

    async def run(self, runtime: Runtime[FeedbackRepository]) -> None:
        # Looking back two rounds on start covers a restart; judging twice changes nothing.
        since = self._clock.now() - timedelta(seconds=2 * self._every)
        while True:
            now = self._clock.now()
            try:
                await self.look(runtime, since, now)
                since = now
            except Exception:
                log.exception("silence watch round failed")
            await asyncio.sleep(self._every)

    async def look(self, runtime: Runtime[FeedbackRepository], since: datetime, now: datetime) -> None:
        async with runtime.units.reading() as repository:
            pair_ids = await repository.pairs_with_requests_expired_since(since, now)
        for pair_id in pair_ids:
            async with runtime.units.begin() as uow:
                await uow.repository.lock_pair(pair_id)
                await self._loop.rejudge(uow, pair_id, now)
