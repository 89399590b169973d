"""asyncpg queries on the `scheduling` schema, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
from pydantic import TypeAdapter

from flipside_shared.columns import columns
from flipside_shared.events import WorkingHours
from flipside_shared.events.sessions import SessionKind
from flipside_shared.rows import one_row

from .domain.booking import Booked
from .domain.calendar import Absence, Attendee, Availability, Interval
from .domain.policy import ProgramSchedule
from .domain.series import Series
from .domain.timers import TimerPlan

SESSION_COLUMNS = (
    "session_id, pair_id, program_id, kind, occurrence, sequence, starts_at, duration_minutes,"
    " mentor_id, mentee_id, status, correlation_id"
)

WORKING_HOURS = TypeAdapter(tuple[WorkingHours, ...])

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


@dataclass(frozen=True)
class NewSession:
    """A session as booked, with the timers it starts, before it is stored."""

    session_id: UUID
    pair_id: UUID
    program_id: str
    occurrence: int
    booked: Booked
    mentor: Attendee
    mentee: Attendee
    timers: list[TimerPlan]
    correlation_id: UUID | None


@dataclass
class Calendar:
    """A person's scheduled sessions and days away as read for a batch of bookings, which adds each one it makes."""

    busy: list[Interval] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)

    def availability(self, attendee: Attendee, now: datetime) -> Availability:
        """What `SchedulingRepository.availability` reads at `now`, from sessions read as of an earlier time."""
        since = now - BUDGET_LOOKBACK
        return Availability.of(attendee, [busy for busy in self.busy if busy[0] > since], self.absences)


class SchedulingRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lock_participants(self, *participant_ids: UUID) -> None:
        """Serialise bookings per person across replicas: a mentor with several mentees is never double-booked.

        One statement however many people; `unnest` hands the keys over in id order, the order every replica
        takes them in, so two transactions locking people they share never wait on each other in a cycle."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext(key)) FROM unnest($1::text[]) AS key",
            [f"scheduling:{participant_id}" for participant_id in sorted(set(participant_ids))],
        )

    # Programs

    async def schedule_of(self, program_id: str) -> ProgramSchedule:
        stored = await self._conn.fetchval("SELECT schedule FROM program_schedules WHERE program_id = $1", program_id)
        return ProgramSchedule() if stored is None else ProgramSchedule.model_validate(stored)

    async def schedules_of(self, program_ids: Iterable[str]) -> dict[str, ProgramSchedule]:
        """Each program's schedule, the default one for a program never configured."""
        wanted = sorted(set(program_ids))
        rows = await self._conn.fetch(
            "SELECT program_id, schedule FROM program_schedules WHERE program_id = ANY($1::text[])", wanted
        )
        stored = {row["program_id"]: ProgramSchedule.model_validate(row["schedule"]) for row in rows}
        return {program_id: stored.get(program_id, ProgramSchedule()) for program_id in wanted}

    async def save_schedule(self, program_id: str, schedule: ProgramSchedule) -> None:
        await self._conn.execute(
            "INSERT INTO program_schedules (program_id, schedule) VALUES ($1, $2)"
            " ON CONFLICT (program_id) DO UPDATE SET schedule = excluded.schedule, updated_at = now()",
            program_id,
            schedule.model_dump(mode="json"),
        )

    # Attendees and their absences

    async def save_attendees(self, attendees: Sequence[Attendee]) -> None:
        """`save_attendee` for many people in one statement; a person given twice is stored as given last."""
        latest = list({attendee.participant_id: attendee for attendee in attendees}.values())
        # Working hours go as JSON text: a list of them in a jsonb[] parameter would read as a second dimension.
        # Encoded in one call per person, not one per day and one more for the list.
        rows = [
            (
                a.participant_id,
                a.time_zone,
                WORKING_HOURS.dump_json(a.working_hours).decode(),
                a.country,
                a.hours_per_month,
            )
            for a in latest
        ]
        await self._conn.execute(
            "INSERT INTO attendees (participant_id, time_zone, working_hours, country, hours_per_month)"
            " SELECT id, zone, hours::jsonb, country, budget"
            " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::integer[]) AS t(id, zone, hours, country, budget)"
            " ON CONFLICT (participant_id) DO UPDATE SET time_zone = excluded.time_zone,"
            " working_hours = excluded.working_hours, country = excluded.country, hours_per_month = excluded.hours_per_month",
            *columns(rows, 5),
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

    async def feed_generations(self, participant_ids: Iterable[UUID]) -> dict[UUID, int]:
        """`feed_generation` of each of these people."""
        wanted = list(set(participant_ids))
        rows = await self._conn.fetch(
            "SELECT participant_id, generation FROM feed_generations WHERE participant_id = ANY($1::uuid[])", wanted
        )
        stored = {row["participant_id"]: row["generation"] for row in rows}
        return {participant_id: stored.get(participant_id, 0) for participant_id in wanted}

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

    async def calendars(self, participant_ids: Iterable[UUID], now: datetime) -> dict[UUID, Calendar]:
        """What `availability` reads at `now` or later, for many people at once: the sessions each attends
        that are still scheduled, and their absences; two queries however many people."""
        wanted = list(set(participant_ids))
        sessions = await self._conn.fetch(
            "SELECT mentor_id, mentee_id, starts_at, duration_minutes FROM sessions"
            " WHERE (mentor_id = ANY($1::uuid[]) OR mentee_id = ANY($1::uuid[]))"
            " AND status = 'scheduled' AND starts_at > $2",
            wanted,
            now - BUDGET_LOOKBACK,
        )
        absences = await self._conn.fetch(
            "SELECT participant_id, first_day, last_day FROM absences WHERE participant_id = ANY($1::uuid[])"
            " ORDER BY participant_id, first_day",
            wanted,
        )
        calendars = {participant_id: Calendar() for participant_id in wanted}
        for row in sessions:
            busy = (row["starts_at"], row["starts_at"] + timedelta(minutes=row["duration_minutes"]))
            for attendee_id in {row["mentor_id"], row["mentee_id"]}:
                if attendee_id in calendars:
                    calendars[attendee_id].busy.append(busy)
        for row in absences:
            calendars[row["participant_id"]].absences.append(Absence(row["first_day"], row["last_day"]))
        return calendars

    # Sessions and their timers

    async def pairs_with_session(self, pair_ids: Iterable[UUID], occurrence: int) -> set[UUID]:
        """Those of these pairs that have this occurrence booked already (`has_session` for many pairs)."""
        rows = await self._conn.fetch(
            "SELECT pair_id FROM sessions WHERE pair_id = ANY($1::uuid[]) AND occurrence = $2",
            list(set(pair_ids)),
            occurrence,
        )
        return {row["pair_id"] for row in rows}

    async def add_sessions(self, sessions: Sequence[NewSession]) -> None:
        """`add_session` for many sessions: one statement for the sessions, one for all their timers."""
        await self._conn.execute(
            "INSERT INTO sessions (session_id, pair_id, program_id, kind, occurrence, starts_at, duration_minutes,"
            " mentor_id, mentee_id, mentor_time_zone, mentee_time_zone, correlation_id)"
            " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::integer[], $6::timestamptz[],"
            " $7::integer[], $8::uuid[], $9::uuid[], $10::text[], $11::text[], $12::uuid[])",
            *columns([_session_row(s) for s in sessions], 12),
        )
        timers = [(s.session_id, t.kind, t.due_at, t.minutes_before) for s in sessions for t in s.timers]
        await self._conn.execute(
            "INSERT INTO timers (session_id, kind, due_at, minutes_before)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::integer[])",
            *columns(timers, 4),
        )

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

    async def start_many_series(self, started: Sequence[tuple[UUID, str, Series]]) -> None:
        """`start_series` for many pairs in one statement."""
        rows = [
            (
                pair_id,
                program_id,
                series.anchor,
                series.time_zone,
                series.cadence,
                int(series.duration.total_seconds() // 60),
                series.ends_at,
            )
            for pair_id, program_id, series in started
        ]
        await self._conn.execute(
            "INSERT INTO series (pair_id, program_id, anchor_at, time_zone, cadence, session_minutes, ends_at)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],"
            " $6::integer[], $7::timestamptz[]) ON CONFLICT (pair_id) DO NOTHING",
            *columns(rows, 7),
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


def _session_row(session: NewSession) -> tuple:
    booked = session.booked
    return (
        session.session_id,
        session.pair_id,
        session.program_id,
        "kickoff" if session.occurrence == 0 else "check_in",
        session.occurrence,
        booked.starts_at,
        int(booked.duration.total_seconds() // 60),
        session.mentor.participant_id,
        session.mentee.participant_id,
        session.mentor.time_zone,
        session.mentee.time_zone,
        session.correlation_id,
    )
