"""Erased people stay erased: no event arriving after the erasure brings their data back.

Every schema keeps the ids of the people it erased. Events that carry a profile (an
enrolment, a profile change) about one of them are skipped, so neither an event delayed
on its way, nor a replay of the topics from the start, nor an enrolment re-sent by an HR
system rebuilds what was forgotten: the events already published are never needed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from .events import EXPORTS, Event, ParticipantEnrolled, ParticipantErased, ParticipantUpdated

PROFILE_EVENTS = (ParticipantEnrolled, ParticipantUpdated)


async def remember_erasure(conn: asyncpg.Connection, erasure: ParticipantErased) -> None:
    await conn.execute(
        "INSERT INTO erasures (participant_id, erased_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        erasure.participant_id,
        erasure.erased_at,
    )
    # The copies of the person's export parts this service published are on the broker (which keeps them a day):
    # none needs to stay here. Rows not yet sent stay for the relay, which would otherwise lose its place.
    await conn.execute(
        "DELETE FROM outbox WHERE key = $1 AND topic LIKE '%' || $2 AND (sent_at IS NOT NULL OR parked_at IS NOT NULL)",
        str(erasure.participant_id),
        EXPORTS.name,
    )


async def was_erased(conn: asyncpg.Connection, participant_id: UUID) -> bool:
    erased: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM erasures WHERE participant_id = $1)", participant_id
    )
    return erased


async def erased_among(conn: asyncpg.Connection, events: Sequence[Event]) -> set[UUID]:
    """The people already erased whom profile events among `events` are about, in one statement."""
    profiles = [event.participant_id for event in events if isinstance(event, PROFILE_EVENTS)]
    if not profiles:
        return set()
    rows = await conn.fetch("SELECT participant_id FROM erasures WHERE participant_id = ANY($1::uuid[])", profiles)
    return {row["participant_id"] for row in rows}


def brings_back(event: Event, erased: set[UUID]) -> bool:
    """Would handling `event` store a profile of someone in `erased`?"""
    return isinstance(event, PROFILE_EVENTS) and event.participant_id in erased
