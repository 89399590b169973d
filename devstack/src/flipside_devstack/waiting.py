"""Waiting in tests for what another process does, with a bound."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg


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
