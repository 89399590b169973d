"""asyncpg queries on the `scheduling` schema, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from flipside_shared.events import PairCreated

from .domain.kickoff import Booked, TimerPlan


class SchedulingRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lock_participants(self, *participant_ids: UUID) -> None:
        """Serialise bookings per person across replicas: a mentor with several mentees is never double-booked."""
        for participant_id in sorted(participant_ids):
            await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"scheduling:{participant_id}")

    async def has_kickoff(self, pair_id: UUID) -> bool:
        return await self._conn.fetchval("SELECT EXISTS (SELECT 1 FROM sessions WHERE pair_id = $1 AND kind = 'kickoff')", pair_id)

    async def busy(self, participant_id: UUID, since: datetime) -> list[tuple[datetime, datetime]]:
        rows = await self._conn.fetch(
            "SELECT starts_at, duration_minutes FROM sessions"
            " WHERE (mentor_id = $1 OR mentee_id = $1) AND status = 'scheduled'"
            " AND starts_at + make_interval(mins => duration_minutes) > $2",
            participant_id,
            since,
        )
        return [(r["starts_at"], r["starts_at"] + timedelta(minutes=r["duration_minutes"])) for r in rows]

    async def add_kickoff(
        self, session_id: UUID, pair: PairCreated, booked: Booked, timers: list[TimerPlan], correlation_id: UUID | None
    ) -> None:
        await self._conn.execute(
            "INSERT INTO sessions (session_id, pair_id, program_id, kind, starts_at, duration_minutes,"
            " mentor_id, mentee_id, mentor_time_zone, mentee_time_zone, correlation_id)"
            " VALUES ($1, $2, $3, 'kickoff', $4, $5, $6, $7, $8, $9, $10)",
            session_id, pair.pair_id, pair.program_id, booked.starts_at, int(booked.duration.total_seconds() // 60),
            pair.mentor.participant_id, pair.mentee.participant_id, pair.mentor.time_zone, pair.mentee.time_zone,
            correlation_id,
        )
        await self._conn.executemany(
            "INSERT INTO timers (session_id, kind, due_at, minutes_before) VALUES ($1, $2, $3, $4)",
            [(session_id, t.kind, t.due_at, t.minutes_before) for t in timers],
        )

    async def claim_due_timers(self, now: datetime, limit: int) -> list[asyncpg.Record]:
        """Lock due timers no other replica holds; they stay locked until this transaction ends."""
        return await self._conn.fetch(
            "SELECT t.timer_id, t.kind, t.minutes_before, s.session_id, s.pair_id, s.program_id, s.starts_at,"
            " s.duration_minutes, s.mentor_id, s.mentee_id, s.correlation_id"
            " FROM timers t JOIN sessions s USING (session_id)"
            " WHERE t.status = 'pending' AND t.due_at <= $1"
            " ORDER BY t.due_at LIMIT $2 FOR UPDATE OF t SKIP LOCKED",
            now,
            limit,
        )

    async def count_due(self, now: datetime) -> int:
        return await self._conn.fetchval("SELECT count(*) FROM timers WHERE status = 'pending' AND due_at <= $1", now)

    async def settle_timers(self, fired: list[int], dropped: list[int], now: datetime) -> None:
        await self._conn.execute(
            "UPDATE timers SET status = CASE WHEN timer_id = ANY($1::bigint[]) THEN 'fired' ELSE 'dropped' END,"
            " settled_at = $3 WHERE timer_id = ANY($1::bigint[] || $2::bigint[])",
            fired,
            dropped,
            now,
        )

    async def cancel_future_sessions(
        self, now: datetime, participant_id: UUID | None = None, pair_id: UUID | None = None
    ) -> list[asyncpg.Record]:
        """Cancel what is still to come for a participant or a pair, with its timers; return the sessions cancelled."""
        cancelled = await self._conn.fetch(
            "UPDATE sessions SET status = 'cancelled' WHERE status = 'scheduled' AND starts_at > $1"
            " AND ($2::uuid IS NULL OR $2 IN (mentor_id, mentee_id)) AND ($3::uuid IS NULL OR pair_id = $3)"
            " RETURNING session_id, pair_id, program_id, kind, starts_at, duration_minutes, mentor_id, mentee_id",
            now, participant_id, pair_id,
        )
        await self._conn.execute(
            "UPDATE timers SET status = 'dropped', settled_at = $2 WHERE status = 'pending' AND session_id = ANY($1::uuid[])",
            [row["session_id"] for row in cancelled], now,
        )
        return cancelled

    async def sessions_of_pair(self, pair_id: UUID) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT session_id, kind, starts_at, duration_minutes, mentor_id, mentee_id, status FROM sessions"
            " WHERE pair_id = $1 ORDER BY starts_at",
            pair_id,
        )

    async def sessions_of_participant(self, participant_id: UUID) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT session_id, pair_id, kind, starts_at, duration_minutes, status FROM sessions"
            " WHERE mentor_id = $1 OR mentee_id = $1 ORDER BY starts_at",
            participant_id,
        )
