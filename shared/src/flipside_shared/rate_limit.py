"""How many requests of one kind a participant may make in an hour (proposals, moves, absences: each one
asks something of other people), counted in the service's own database so every replica agrees.

The hour is a fixed window: a person may spend the whole limit at the end of one hour and again at the
start of the next, never more. Admins are not counted: HR systems and support staff act as admins.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
from fastapi import Depends, HTTPException, Request, status

from .auth.rules import authenticated
from .auth.tokens import Principal

WINDOW = timedelta(hours=1)


def window_start(now: datetime) -> datetime:
    """The start of the window `now` falls in: the hour it is in, in UTC."""
    length = WINDOW.total_seconds()
    return datetime.fromtimestamp(now.timestamp() // length * length, UTC)


async def spend(conn: asyncpg.Connection, person_id: UUID, action: str, limit: int, now: datetime) -> float | None:
    """Count one request of `action` by `person_id`; None when within `limit`, else the seconds until the next window."""
    start = window_start(now)
    await conn.execute(
        "DELETE FROM person_request_counts WHERE person_id = $1 AND action = $2 AND window_start < $3",
        person_id,
        action,
        start,
    )
    counted = await conn.fetchval(
        "INSERT INTO person_request_counts AS c (person_id, action, window_start, requests) VALUES ($1, $2, $3, 1)"
        " ON CONFLICT (person_id, action, window_start) DO UPDATE SET requests = c.requests + 1 WHERE c.requests < $4"
        " RETURNING requests",
        person_id,
        action,
        start,
        limit,
    )
    return None if counted is not None else (start + WINDOW - now).total_seconds()


def limit_per_person(action: str) -> Callable[..., Awaitable[None]]:
    """A route dependency: 429 with `Retry-After` once the calling participant made
    `FLIPSIDE_REQUESTS_PER_PERSON_PER_HOUR` requests of `action` this hour."""

    async def dependency(request: Request, principal: Principal = Depends(authenticated)) -> None:
        if principal.is_admin or principal.participant_id is None:
            return
        runtime = request.app.state.runtime
        limit = runtime.settings.requests_per_person_per_hour
        async with runtime.pool.acquire() as conn:
            wait = await spend(conn, principal.participant_id, action, limit, datetime.now(UTC))
        if wait is not None:
            seconds = math.ceil(wait)
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"at most {limit} {action} per person an hour; try again in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )

    return dependency
