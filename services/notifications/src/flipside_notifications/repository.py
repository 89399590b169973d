"""asyncpg queries on the `notifications` schema, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from flipside_shared.events import ParticipantProfile

from .domain.messages import MessageDue

EMAIL = "email"


class NotificationsRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def save_recipient(self, participant_id: UUID, profile: ParticipantProfile) -> None:
        await self._conn.execute(
            "INSERT INTO recipients (participant_id, display_name, email, locale, time_zone) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (participant_id) DO UPDATE SET display_name = EXCLUDED.display_name,"
            " email = EXCLUDED.email, locale = EXCLUDED.locale, time_zone = EXCLUDED.time_zone",
            participant_id, profile.display_name, profile.email, profile.locale, profile.time_zone,
        )

    async def update_recipient(self, participant_id: UUID, profile: ParticipantProfile) -> None:
        """A changed profile, for someone already known: an update never brings back an erased person."""
        await self._conn.execute(
            "UPDATE recipients SET display_name = $2, email = $3, locale = $4, time_zone = $5 WHERE participant_id = $1",
            participant_id, profile.display_name, profile.email, profile.locale, profile.time_zone,
        )

    async def forget(self, participant_id: UUID) -> None:
        """Erasure: no address or name kept, and nothing more sent to them."""
        await self._conn.execute("DELETE FROM recipients WHERE participant_id = $1", participant_id)
        await self._conn.execute(
            "UPDATE deliveries SET status = 'failed', last_error = 'recipient erased'"
            " WHERE recipient_id = $1 AND status = 'pending'",
            participant_id,
        )

    async def owe(self, event_id: UUID, correlation_id: UUID | None, messages: list[MessageDue]) -> None:
        await self._conn.executemany(
            "INSERT INTO deliveries (delivery_id, event_id, recipient_id, channel, template, context, correlation_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id, recipient_id, channel) DO NOTHING",
            [(uuid4(), event_id, m.recipient_id, EMAIL, m.template, m.context, correlation_id) for m in messages],
        )

    async def claim_sendable(self, now: datetime, limit: int) -> list[asyncpg.Record]:
        """Pending deliveries whose recipient is known, locked until this transaction ends.

        A delivery whose recipient has not enrolled here yet simply waits: events on
        different topics arrive in no guaranteed order.
        """
        return await self._conn.fetch(
            "SELECT d.delivery_id, d.event_id, d.recipient_id, d.template, d.context, d.attempts, d.correlation_id,"
            " r.display_name, r.email, r.locale, r.time_zone,"
            " (SELECT p.display_name FROM recipients p WHERE p.participant_id::text = d.context->>'partner_id') AS partner_name"
            " FROM deliveries d JOIN recipients r ON r.participant_id = d.recipient_id"
            " WHERE d.status = 'pending' AND d.next_attempt_at <= $1"
            " ORDER BY d.next_attempt_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED",
            now,
            limit,
        )

    async def mark_sent(self, delivery_id: UUID, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE deliveries SET status = 'sent', sent_at = $2, attempts = attempts + 1 WHERE delivery_id = $1",
            delivery_id, now,
        )

    async def retry_later(self, delivery_id: UUID, error: str, next_attempt_at: datetime) -> None:
        await self._conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE delivery_id = $1",
            delivery_id, error, next_attempt_at,
        )

    async def mark_failed(self, delivery_id: UUID, error: str) -> None:
        await self._conn.execute(
            "UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = $2 WHERE delivery_id = $1",
            delivery_id, error,
        )

    async def deliveries_of(self, participant_id: UUID) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT delivery_id, event_id, channel, template, status, attempts, last_error, created_at, sent_at"
            " FROM deliveries WHERE recipient_id = $1 ORDER BY created_at",
            participant_id,
        )
