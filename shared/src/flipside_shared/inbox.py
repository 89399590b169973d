"""Has this event already had its effect? Asked inside the effect's own transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from uuid import UUID

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


async def first_deliveries(conn: asyncpg.Connection, envelopes: Sequence[Envelope]) -> list[bool]:
    """`first_delivery` for many envelopes in two statements: for each, in order, whether this is its first delivery.

    An id that comes twice in `envelopes` is a first delivery once, at its first place. Raise ReusedEventId if an
    id comes back with other content, whether it was handled earlier or earlier in `envelopes`.
    """
    digests = [content_digest(envelope) for envelope in envelopes]
    inserted = {
        row["event_id"]
        for row in await conn.fetch(
            "INSERT INTO inbox (event_id, event_type, digest)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])"
            " ON CONFLICT DO NOTHING RETURNING event_id",
            [envelope.id for envelope in envelopes],
            [envelope.type for envelope in envelopes],
            digests,
        )
    }
    seen: dict[UUID, bytes | None] = {}
    if any(envelope.id not in inserted for envelope in envelopes):
        rows = await conn.fetch(
            "SELECT event_id, digest FROM inbox WHERE event_id = ANY($1::uuid[])",
            [envelope.id for envelope in envelopes if envelope.id not in inserted],
        )
        seen = {row["event_id"]: row["digest"] for row in rows}
    firsts: list[bool] = []
    for envelope, digest in zip(envelopes, digests, strict=True):
        first = envelope.id in inserted and envelope.id not in seen
        if not first and (earlier := seen[envelope.id]) is not None and earlier != digest:
            raise ReusedEventId(f"event id {envelope.id} was already handled with different content")
        seen.setdefault(envelope.id, digest)
        firsts.append(first)
    return firsts
