"""Waiting in tests for what another process does, with a bound."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from flipside_shared.rate_limit import WINDOW, window_start


async def wait_for(predicate: Callable[[], object], timeout: float = 30.0) -> None:
    """Return once `predicate()` is true; TimeoutError after `timeout` seconds."""
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("condition not met")


async def wait_for_rows(
    conn: asyncpg.Connection, query: str, *args: Any, count: int = 1, timeout: float = 30.0
) -> list[asyncpg.Record]:
    """The rows of `query` once there are at least `count`; TimeoutError after `timeout` seconds."""
    for _ in range(int(timeout / 0.1)):
        rows = await conn.fetch(query, *args)
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.1)
    raise TimeoutError(f"fewer than {count} rows for {query}")


async def clear_of_the_hours_turn(margin: timedelta = timedelta(minutes=1)) -> None:
    """Return when the request limits' window (`flipside_shared.rate_limit`, a fixed hour) has at least `margin`
    left: a test that counted requests across its turn would see the counts start again."""
    now = datetime.now(UTC)
    left = window_start(now) + WINDOW - now
    if left < margin:
        await asyncio.sleep(left.total_seconds() + 1)
