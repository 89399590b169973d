"""asyncpg queries on the `scheduling` schema, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from flipside_shared.events import WorkingHours
from flipside_shared.events.sessions import SessionKind
from flipside_shared.rows import one_row

from .domain.booking import Booked
from .domain.calendar import Absence, Attendee, Availability
from .domain.policy import ProgramSchedule
from .domain.series import Series
from .domain.timers import TimerPlan

SESSION_COLUMNS = (
    "session_id, pair_id, program_id, kind, occurrence, sequence, starts_at, duration_minutes,"
    " mentor_id, mentee_id, status, correlation_id"
)

# A month's budget counts the sessions already held in it.
BUDGET_LOOKBACK = timedelta(days=32)


@dataclass(frozen=True)
class Session:
    session_id: UUID
    pair_id: UUID
    program_id: str
    kind: SessionKind
    occurrence: int
    sequence: int
    starts_at: datetime
    duration_minutes: int
    mentor_id: UUID
    mentee_id: UUID
    status: str
    correlation_id: UUID | None

    @property
    def booked(self) -> Booked:
        return Booked(self.starts_at, timedelta(minutes=self.duration_minutes))

    @property
    def attendee_ids(self) -> tuple[UUID, UUID]:
        return self.mentor_id, self.mentee_id


class SchedulingRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lock_participants(self, *participant_ids: UUID) -> None:
        """Serialise bookings per person across replicas: a mentor with several mentees is never double-booked."""
        for participant_id in sorted(set(participant_ids)):
            await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"scheduling:{participant_id}")

    # Programs

    async def schedule_of(self, program_id: str) -> ProgramSchedule:
        stored = await self._conn.fetchval("SELECT schedule FROM program_schedules WHERE program_id = $1", program_id)
        return ProgramSchedule() if stored is None else ProgramSchedule.model_validate(stored)

    async def save_schedule(self, program_id: str, schedule: ProgramSchedule) -> None:
        await self._conn.execute(
            "INSERT INTO program_schedules (program_id, schedule) VALUES ($1, $2)"
            " ON CONFLICT (program_id) DO UPDATE SET schedule = excluded.schedule, updated_at = now()",
            program_id,
            schedule.model_dump(mode="json"),
        )

    # Attendees and their absences

    async def save_attendee(self, attendee: Attendee) -> None:
        await self._conn.execute(
            "INSERT INTO attendees (participant_id, time_zone, working_hours, country, hours_per_month)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (participant_id) DO UPDATE SET time_zone = excluded.time_zone,"
            " working_hours = excluded.working_hours, country = excluded.country, hours_per_month = excluded.hours_per_month",
            *_attendee_row(attendee),
        )

    async def update_attendee(self, attendee: Attendee) -> None:
        """Refresh someone already known (paired); people never paired are not kept."""
        await self._conn.execute(
            "UPDATE attendees SET time_zone = $2, working_hours = $3, country = $4, hours_per_month = $5"
            " WHERE participant_id = $1",
            *_attendee_row(attendee),
        )

    async def attendee(self, participant_id: UUID) -> Attendee | None:
        row = await self._conn.fetchrow("SELECT * FROM attendees WHERE participant_id = $1", participant_id)
        if row is None:
            return None
        return Attendee(
            participant_id=row["participant_id"],
            time_zone=row["time_zone"],
            working_hours=tuple(WorkingHours.model_validate(h) for h in row["working_hours"]),
            country=row["country"],
            hours_per_month=row["hours_per_month"],
        )

    async def forget_attendee(self, participant_id: UUID) -> None:
        await self._conn.execute("DELETE FROM absences WHERE participant_id = $1", participant_id)
        await self._conn.execute("DELETE FROM attendees WHERE participant_id = $1", participant_id)

    async def feed_generation(self, participant_id: UUID) -> int:
        """Which of the participant's calendar feed addresses is the valid one: 0 until they first rotate it."""
        generation = await self._conn.fetchval(
            "SELECT generation FROM feed_generations WHERE participant_id = $1", participant_id
        )
        return generation or 0

    async def rotate_feed(self, participant_id: UUID) -> int:
        """Revoke the participant's feed address; the new generation."""
        return await self._conn.fetchval(
            "INSERT INTO feed_generations (participant_id, generation) VALUES ($1, 1) ON CONFLICT (participant_id)"
            " DO UPDATE SET generation = feed_generations.generation + 1 RETURNING generation",
            participant_id,
        )

    async def absences(self, participant_id: UUID) -> list[Absence]:
        rows = await self._conn.fetch(
            "SELECT first_day, last_day FROM absences WHERE participant_id = $1 ORDER BY first_day", participant_id
        )
        return [Absence(row["first_day"], row["last_day"]) for row in rows]

    async def replace_absences(self, participant_id: UUID, absences: list[Absence]) -> None:
        await self._conn.execute("DELETE FROM absences WHERE participant_id = $1", participant_id)
        await self._conn.executemany(
            "INSERT INTO absences (participant_id, first_day, last_day) VALUES ($1, $2, $3)",
            [(participant_id, a.first_day, a.last_day) for a in absences],
        )

    async def availability(self, attendee: Attendee, now: datetime) -> Availability:
        rows = await self._conn.fetch(
            "SELECT starts_at, duration_minutes FROM sessions"
            " WHERE (mentor_id = $1 OR mentee_id = $1) AND status = 'scheduled' AND starts_at > $2",
            attendee.participant_id,
            now - BUDGET_LOOKBACK,
        )
        busy = [(r["starts_at"], r["starts_at"] + timedelta(minutes=r["duration_minutes"])) for r in rows]
        return Availability.of(attendee, busy, await self.absences(attendee.participant_id))

    # Sessions and their timers

    async def has_session(self, pair_id: UUID, occurrence: int) -> bool:
        return await self._conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE pair_id = $1 AND occurrence = $2)", pair_id, occurrence
        )

    async def add_session(
        self,
        session_id: UUID,
        pair_id: UUID,
        program_id: str,
        occurrence: int,
        booked: Booked,
        mentor: Attendee,
        mentee: Attendee,
        timers: list[TimerPlan],
        correlation_id: UUID | None,
    ) -> None:
        await self._conn.execute(
            "INSERT INTO sessions (session_id, pair_id, program_id, kind, occurrence, starts_at, duration_minutes,"
            " mentor_id, mentee_id, mentor_time_zone, mentee_time_zone, correlation_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            session_id,
            pair_id,
            program_id,
            "kickoff" if occurrence == 0 else "check_in",
            occurrence,
            booked.starts_at,
            int(booked.duration.total_seconds() // 60),
            mentor.participant_id,
            mentee.participant_id,
            mentor.time_zone,
            mentee.time_zone,
            correlation_id,
        )
        await self._add_timers(session_id, timers)

    async def session(self, session_id: UUID) -> Session | None:
        row = await self._conn.fetchrow(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_id = $1", session_id)
        return None if row is None else Session(**row)

    async def attendees_of_pair(self, pair_id: UUID) -> tuple[UUID, ...]:
        row = await self._conn.fetchrow("SELECT mentor_id, mentee_id FROM sessions WHERE pair_id = $1 LIMIT 1", pair_id)
        return () if row is None else (row["mentor_id"], row["mentee_id"])

    async def session_for_update(self, session_id: UUID) -> Session | None:
        row = await self._conn.fetchrow(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_id = $1 FOR UPDATE", session_id
        )
        return None if row is None else Session(**row)

    async def move_session(self, session_id: UUID, booked: Booked, timers: list[TimerPlan], now: datetime) -> int:
        """Move a session and replace its pending timers; return its new sequence."""
        await self._drop_pending_timers([session_id], now)
        await self._add_timers(session_id, timers)
        return await self._conn.fetchval(
            "UPDATE sessions SET starts_at = $2, sequence = sequence + 1 WHERE session_id = $1 RETURNING sequence",
            session_id,
            booked.starts_at,
        )

    async def cancel_session(self, session_id: UUID, now: datetime) -> Session:
        """Cancel one session with its pending timers; return it as it now is."""
        await self._drop_pending_timers([session_id], now)
        row = await one_row(
            self._conn,
            "UPDATE sessions SET status = 'cancelled', sequence = sequence + 1 WHERE session_id = $1"
            f" RETURNING {SESSION_COLUMNS}",
            session_id,
        )
        return Session(**row)

    async def cancel_future_sessions(
        self, now: datetime, participant_id: UUID | None = None, pair_id: UUID | None = None
    ) -> list[Session]:
        """Cancel what is still to come for a participant or a pair, with its timers; return the sessions cancelled."""
        rows = await self._conn.fetch(
            "UPDATE sessions SET status = 'cancelled', sequence = sequence + 1 WHERE status = 'scheduled' AND starts_at > $1"
            " AND ($2::uuid IS NULL OR $2 IN (mentor_id, mentee_id)) AND ($3::uuid IS NULL OR pair_id = $3)"
            f" RETURNING {SESSION_COLUMNS}",
            now,
            participant_id,
            pair_id,
        )
        cancelled = [Session(**row) for row in rows]
        await self._drop_pending_timers([s.session_id for s in cancelled], now)
        return cancelled

    async def future_sessions_of(self, participant_id: UUID, now: datetime, lock: bool = True) -> list[Session]:
        rows = await self._conn.fetch(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE (mentor_id = $1 OR mentee_id = $1)"
            " AND status = 'scheduled' AND starts_at > $2 ORDER BY starts_at" + (" FOR UPDATE" if lock else ""),
            participant_id,
            now,
        )
        return [Session(**row) for row in rows]

    async def latest_occurrence(self, pair_id: UUID) -> int:
        return await self._conn.fetchval("SELECT max(occurrence) FROM sessions WHERE pair_id = $1", pair_id)

    async def _add_timers(self, session_id: UUID, timers: list[TimerPlan]) -> None:
        await self._conn.executemany(
            "INSERT INTO timers (session_id, kind, due_at, minutes_before) VALUES ($1, $2, $3, $4)",
            [(session_id, t.kind, t.due_at, t.minutes_before) for t in timers],
        )

    async def _drop_pending_timers(self, session_ids: list[UUID], now: datetime) -> None:
        await self._conn.execute(
            "UPDATE timers SET status = 'dropped', settled_at = $2 WHERE status = 'pending' AND session_id = ANY($1::uuid[])",
            session_ids,
            now,
        )

    # Series

    async def start_series(self, pair_id: UUID, program_id: str, series: Series) -> None:
        await self._conn.execute(
            "INSERT INTO series (pair_id, program_id, anchor_at, time_zone, cadence, session_minutes, ends_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pair_id) DO NOTHING",
            pair_id,
            program_id,
            series.anchor,
            series.time_zone,
            series.cadence,
            int(series.duration.total_seconds() // 60),
            series.ends_at,
        )

    async def active_series(self, pair_id: UUID) -> Series | None:
        row = await self._conn.fetchrow("SELECT * FROM series WHERE pair_id = $1 AND status = 'active'", pair_id)
        if row is None:
            return None
        return Series(
            anchor=row["anchor_at"],
            time_zone=row["time_zone"],
            cadence=row["cadence"],
            duration=timedelta(minutes=row["session_minutes"]),
            ends_at=row["ends_at"],
        )

    async def end_series(self, status: str, pair_id: UUID | None = None, participant_id: UUID | None = None) -> None:
        """`completed` when the program is over for the pair, `ended` when the pair or a participant left."""
        await self._conn.execute(
            "UPDATE series SET status = $1 WHERE status = 'active' AND ($2::uuid IS NULL OR pair_id = $2)"
            " AND ($3::uuid IS NULL OR pair_id IN (SELECT pair_id FROM sessions WHERE $3 IN (mentor_id, mentee_id)))",
            status,
            pair_id,
            participant_id,
        )

    # Timer worker

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

    # Reads for the API

    async def sessions_of_pair(self, pair_id: UUID) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT session_id, kind, occurrence, sequence, starts_at, duration_minutes, mentor_id, mentee_id, status"
            " FROM sessions WHERE pair_id = $1 ORDER BY starts_at",
            pair_id,
        )

    async def sessions_across_pairs(self, participant_id: UUID) -> list[asyncpg.Record]:
        """A participant's sessions in all their pairs, soonest first."""
        return await self._conn.fetch(
            "SELECT session_id, pair_id, program_id, kind, starts_at,"
            " starts_at + make_interval(mins => duration_minutes) AS ends_at, status, mentor_id, mentee_id"
            " FROM sessions WHERE mentor_id = $1 OR mentee_id = $1 ORDER BY starts_at, session_id",
            participant_id,
        )

    async def sessions_of_participant(self, participant_id: UUID) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT session_id, pair_id, kind, sequence, starts_at, duration_minutes, status FROM sessions"
            " WHERE mentor_id = $1 OR mentee_id = $1 ORDER BY starts_at",
            participant_id,
        )


def _attendee_row(attendee: Attendee) -> tuple:
    hours = [h.model_dump(mode="json") for h in attendee.working_hours]
    return attendee.participant_id, attendee.time_zone, hours, attendee.country, attendee.hours_per_month
