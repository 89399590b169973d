"""Waiting in tests for what another process does, with a bound."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def wait_for(predicate: Callable[[], object], timeout: float = 30.0) -> None:
    """Return once `predicate()` is true; TimeoutError after `timeout` seconds."""
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("condition not met")
