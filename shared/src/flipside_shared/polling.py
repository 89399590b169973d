"""The loop of a background worker that drains a table in batches (timers, deliveries)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from .retry import Backoff, is_transient

log = structlog.get_logger(__name__)


async def drain_forever(
    round_of_work: Callable[[], Awaitable[int]],
    batch_size: int,
    idle_seconds: float,
    wake: asyncio.Event | None = None,
) -> None:
    """Run rounds back to back while they come back full, then rest until `wake` is set or `idle_seconds`
    pass (polling stays the truth; a wake-up only makes new work start sooner); outlive database outages."""
    backoff = Backoff()
    while True:
        try:
            while True:
                if wake is not None:
                    wake.clear()  # before the round reads: work announced during the round ends the rest at once
                if await round_of_work() < batch_size:
                    break
            backoff.reset()
            await _rest(idle_seconds, wake)
        except Exception as error:
            if not is_transient(error):
                log.exception("worker round failed")
            await backoff.sleep(error)


async def _rest(seconds: float, wake: asyncio.Event | None) -> None:
    if wake is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), timeout=seconds)
