"""Has this event already had its effect? Asked inside the effect's own transaction."""

from __future__ import annotations

import hashlib

import asyncpg

from .envelope import Envelope


class ReusedEventId(ValueError):
    """An event id already handled with other content: a producer's fault, never a redelivery."""


def content_digest(envelope: Envelope) -> bytes:
    """What the event says, as the model reads it: the same for any spelling of the same JSON."""
    return hashlib.sha256(envelope.type.encode() + b"\n" + envelope.body()).digest()


async def first_delivery(conn: asyncpg.Connection, envelope: Envelope) -> bool:
    """Record `envelope` as handled; False if an earlier transaction already did.

    A concurrent duplicate (two replicas during a rebalance) waits on the
    primary key until the first transaction ends, then sees the conflict.
    Raise ReusedEventId if the earlier event under this id said something else:
    dropping it as a duplicate would lose it without a trace.
    """
    digest = content_digest(envelope)
    status = await conn.execute(
        "INSERT INTO inbox (event_id, event_type, digest) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        envelope.id,
        envelope.type,
        digest,
    )
    if status == "INSERT 0 1":
        return True
    earlier = await conn.fetchval("SELECT digest FROM inbox WHERE event_id = $1", envelope.id)
    if earlier is not None and earlier != digest:
        raise ReusedEventId(f"event id {envelope.id} was already handled with different content")
    return False
