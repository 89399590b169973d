"""Has this event already had its effect? Asked inside the effect's own transaction."""

from __future__ import annotations

import asyncpg

from .envelope import Envelope


async def first_delivery(conn: asyncpg.Connection, envelope: Envelope) -> bool:
    """Record `envelope` as handled; False if an earlier transaction already did.

    A concurrent duplicate (two replicas during a rebalance) waits on the
    primary key until the first transaction ends, then sees the conflict.
    """
    status = await conn.execute(
        "INSERT INTO inbox (event_id, event_type) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        envelope.id,
        envelope.type,
    )
    return status == "INSERT 0 1"
