"""Forgets sessions and sign-in attempts that have run out, so the table holds live browsers only."""

from __future__ import annotations

import asyncio

from flipside_shared.clock import Clock
from flipside_shared.service import Runtime

from .repository import PortalRepository

ROUND_SECONDS = 600


class ExpiredSessions:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def run(self, runtime: Runtime[PortalRepository]) -> None:
        while True:
            async with runtime.units.begin() as uow:
                await uow.repository.forget_expired(self._clock.now())
            await asyncio.sleep(ROUND_SECONDS)
