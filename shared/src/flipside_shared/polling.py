"""The loop of a background worker that drains a table in batches (timers, deliveries)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from .retry import Backoff, is_transient

log = structlog.get_logger(__name__)


async def drain_forever(round_of_work: Callable[[], Awaitable[int]], batch_size: int, idle_seconds: float) -> None:
    """Run rounds back to back while they come back full, then rest; outlive database outages."""
    backoff = Backoff()
    while True:
        try:
            while await round_of_work() == batch_size:
                pass
            backoff.reset()
            await asyncio.sleep(idle_seconds)
        except Exception as error:
            if not is_transient(error):
                log.exception("worker round failed")
            await backoff.sleep(error)
