"""What scheduling does with each event and command: the `Scheduler` holds the process, Kafka
handlers and HTTP routes both call it inside one unit of work.

Every change that books, moves or cancels a person's time first takes that person's lock
(`lock_participants`, always in id order), so replicas never double-book anyone and an
ended pair never gets a late booking.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias
from uuid import UUID, uuid4

import structlog

from flipside_shared.clock import Clock
from flipside_shared.consumer import EventHandlers, RejectedEvent
from flipside_shared.events import (
    CheckInDue,
    Event,
    PairCompleted,
    PairCreated,
    PairDissolved,
    PairMember,
    ParticipantErased,
    ParticipantUpdated,
    ParticipantWithdrawn,
    SchedulingFailed,
    SessionAttendee,
    SessionCancellationRequested,
    SessionCancelled,
    SessionRescheduled,
    SessionRescheduleRequested,
    SessionScheduled,
)
from flipside_shared.events.sessions import CancellationReason
from flipside_shared.time_zones import zone_named
from flipside_shared.unit_of_work import UnitOfWork

from .domain.booking import Booked, NoSlot, book_kickoff, book_next, free_slots, reschedule
from .domain.calendar import Absence, Attendee
from .domain.policy import SchedulingPolicy
from .domain.series import Series
from .domain.timers import timers_for
from .repository import NewSession, SchedulingRepository, Session

log = structlog.get_logger(__name__)

SchedulingUnit: TypeAlias = UnitOfWork[SchedulingRepository]
"""A unit of work on scheduling's schema: what every handler and `Scheduler` use-case runs in."""


MoveReason = Literal["requested", "participant_unavailable"]


class UnknownSession(LookupError):
    pass


@dataclass(frozen=True)
class Refused:
    """A command that changed nothing, why, and the session it was about."""

    reason: str
    session: Session


def attendee_of(member: PairMember) -> Attendee:
    return Attendee(
        member.participant_id, member.time_zone, tuple(member.working_hours), member.country, member.hours_per_month
    )


class Scheduler:
    def __init__(self, clock: Clock, policy: SchedulingPolicy) -> None:
        self._clock = clock
        self._policy = policy

    async def pairs_created(self, uow: SchedulingUnit, pairs: list[PairCreated]) -> None:
        """Book each pair's kickoff at the earliest time both can meet and start its series from it, in the
        order the pairs came: each sees the time the ones before it took, so two pairs sharing a person never
        book them twice. A pair booked already is left as it is. However many pairs, the same few statements:
        everything the bookings read is loaded first, everything they write is stored last."""
        repository = uow.repository
        people = [member.participant_id for pair in pairs for member in (pair.mentor, pair.mentee)]
        await repository.lock_participants(*people)
        booked_pairs = await repository.pairs_with_session((pair.pair_id for pair in pairs), 0)
        schedules = await repository.schedules_of(pair.program_id for pair in pairs)
        calendars = await repository.calendars(people, self._clock.now())
        generations = await repository.feed_generations(people)
        attendees: list[Attendee] = []
        started: list[tuple[UUID, str, Series]] = []
        sessions: list[NewSession] = []
        for pair in pairs:
            if pair.pair_id in booked_pairs:
                log.info("kickoff already booked", pair_id=str(pair.pair_id))
                continue
            unit = uow.caused_by(pair)
            mentor, mentee = attendee_of(pair.mentor), attendee_of(pair.mentee)
            attendees += [mentor, mentee]
            now = max(self._clock.now(), pair.matched_at)
            schedule = schedules[pair.program_id]
            outcome = book_kickoff(
                calendars[mentor.participant_id].availability(mentor, now),
                calendars[mentee.participant_id].availability(mentee, now),
                now,
                schedule,
                self._policy,
            )
            if isinstance(outcome, NoSlot):
                unit.emit(SchedulingFailed(pair_id=pair.pair_id, program_id=pair.program_id, reason=outcome.reason))
                continue
            booked_pairs.add(pair.pair_id)
            for participant_id in {mentor.participant_id, mentee.participant_id}:
                calendars[participant_id].busy.append((outcome.starts_at, outcome.ends_at))
            started.append(
                (pair.pair_id, pair.program_id, Series.after_kickoff(outcome.starts_at, mentee.time_zone, schedule))
            )
            session = self._new_session(unit, pair.pair_id, pair.program_id, 0, outcome, mentor, mentee, now)
            sessions.append(session)
            unit.emit(_scheduled(session, generations), correlation_id=session.correlation_id)
        if attendees:
            await repository.save_attendees(attendees)
        if started:
            await repository.start_many_series(started)
        if sessions:
            await repository.add_sessions(sessions)

    async def session_held(self, uow: SchedulingUnit, due: CheckInDue) -> None:
        """A session is over: book the next one of the series, unless a later one exists already."""
        repository = uow.repository
        await repository.lock_participants(due.mentor_id, due.mentee_id)
        session = await repository.session_for_update(due.session_id)
        if session is None or session.occurrence != await repository.latest_occurrence(due.pair_id):
            return
        await self._advance(uow, session)

    async def reschedule(
        self,
        uow: SchedulingUnit,
        session_id: UUID,
        requested: datetime | None,
        requested_by: UUID | None = None,
        pair_id: UUID | None = None,
    ) -> SessionRescheduled | Refused:
        repository = uow.repository
        session = await self._locked_session(repository, session_id, pair_id)
        now = self._clock.now()
        if (closed := _closed(session, now)) is not None:
            return closed
        return await self._move(uow, session, requested, now, "requested", requested_by)

    async def free_slots(
        self, repository: SchedulingRepository, session_id: UUID, count: int
    ) -> list[Booked] | Refused:
        """Times this session could move to, as `reschedule` would accept them; a read that books nothing."""
        session = await repository.session(session_id)
        if session is None:
            raise UnknownSession(f"no session {session_id}")
        now = self._clock.now()
        if (closed := _closed(session, now)) is not None:
            return closed
        mentor, mentee = await repository.attendee(session.mentor_id), await repository.attendee(session.mentee_id)
        if mentor is None or mentee is None:
            return Refused("one of the two participants has left the program", session)
        return free_slots(
            await repository.availability(mentor, now),
            await repository.availability(mentee, now),
            session.booked,
            now,
            self._policy,
            count,
        )

    async def cancel(
        self,
        uow: SchedulingUnit,
        session_id: UUID,
        requested_by: UUID | None = None,
        pair_id: UUID | None = None,
    ) -> SessionCancelled | Refused:
        """This one session will not take place; the series goes on with the next."""
        repository = uow.repository
        session = await self._locked_session(repository, session_id, pair_id)
        now = self._clock.now()
        if (closed := _closed(session, now)) is not None:
            return closed
        return await self._cancel_one(uow, session, now, "requested", requested_by)

    async def set_absences(
        self, uow: SchedulingUnit, participant_id: UUID, absences: list[Absence]
    ) -> list[SessionRescheduled | SessionCancelled]:
        """Record someone's days away; their sessions on those days move to the earliest other slot, or are
        cancelled when there is none."""
        repository = uow.repository
        now = self._clock.now()
        sessions = await repository.future_sessions_of(participant_id, now, lock=False)
        await repository.lock_participants(participant_id, *(p for s in sessions for p in s.attendee_ids))
        await repository.replace_absences(participant_id, absences)
        attendee = await repository.attendee(participant_id)
        if attendee is None:
            return []
        zone = zone_named(attendee.time_zone)
        changes: list[SessionRescheduled | SessionCancelled] = []
        for session in await repository.future_sessions_of(participant_id, now):
            if not any(a.covers(session.starts_at.astimezone(zone).date()) for a in absences):
                continue
            moved = await self._move(uow, session, None, now, "participant_unavailable", None)
            if isinstance(moved, Refused):
                changes.append(await self._cancel_one(uow, session, now, "participant_unavailable", None))
            else:
                changes.append(moved)
        return changes

    async def end_pair(self, uow: SchedulingUnit, pair_id: UUID, series_end: Literal["ended", "completed"]) -> None:
        """The pair's future sessions and their reminders and check-ins are off; both are told. Its series is
        `ended` when the pair was dissolved, `completed` when its program ended; the sessions are cancelled with
        reason `pair_dissolved` either way: the pair ended (a reason of its own would be a new version of
        `SessionCancelled`). Done once however often the event comes: a second time finds nothing to cancel."""
        repository = uow.repository
        await repository.lock_participants(*await repository.attendees_of_pair(pair_id))
        await repository.end_series(series_end, pair_id=pair_id)
        now = self._clock.now()
        for session in await repository.cancel_future_sessions(now, pair_id=pair_id):
            self._emit_cancelled(uow, session, "pair_dissolved", now, told=list(session.attendee_ids))

    async def participant_left(
        self,
        uow: SchedulingUnit,
        participant_id: UUID,
        reason: Literal["participant_withdrawn", "participant_erased"],
    ) -> None:
        """Withdrawn or erased: future sessions no longer take place; the partner is told (and the one who
        withdrew, whose calendar still holds them)."""
        repository = uow.repository
        await repository.lock_participants(participant_id)
        await repository.end_series("ended", participant_id=participant_id)
        now = self._clock.now()
        for session in await repository.cancel_future_sessions(now, participant_id=participant_id):
            told = [p for p in session.attendee_ids if reason != "participant_erased" or p != participant_id]
            self._emit_cancelled(uow, session, reason, now, told=told)
        if reason == "participant_erased":
            await repository.forget_attendee(participant_id)

    async def _locked_session(
        self, repository: SchedulingRepository, session_id: UUID, pair_id: UUID | None
    ) -> Session:
        """The session, locked with its two people; UnknownSession when there is none (of that pair, if given)."""
        found = await repository.session(session_id)
        if found is None:
            raise UnknownSession(f"no session {session_id}")
        if pair_id is not None and found.pair_id != pair_id:
            raise UnknownSession(f"session {session_id} belongs to another pair than {pair_id}")
        await repository.lock_participants(*found.attendee_ids)
        locked = await repository.session_for_update(session_id)
        if locked is None:
            raise UnknownSession(f"no session {session_id}")
        return locked

    async def _advance(self, uow: SchedulingUnit, after: Session) -> None:
        repository = uow.repository
        series = await repository.active_series(after.pair_id)
        if series is None:
            return
        mentor, mentee = await repository.attendee(after.mentor_id), await repository.attendee(after.mentee_id)
        if mentor is None or mentee is None:
            return
        now = self._clock.now()
        occurrence, skipped = book_next(
            await repository.availability(mentor, now),
            await repository.availability(mentee, now),
            series,
            after.occurrence,
            now,
            self._policy,
        )
        for skip in skipped:
            uow.emit(
                SchedulingFailed(
                    pair_id=after.pair_id,
                    program_id=after.program_id,
                    reason=f"session {skip.index} skipped: {skip.reason}",
                ),
                correlation_id=after.correlation_id,
            )
        if occurrence is None:
            await repository.end_series("completed", pair_id=after.pair_id)
            return
        await self._book(
            uow,
            after.pair_id,
            after.program_id,
            occurrence.index,
            occurrence.booked,
            mentor,
            mentee,
            now,
            after.correlation_id,
        )

    async def _book(
        self,
        uow: SchedulingUnit,
        pair_id: UUID,
        program_id: str,
        occurrence: int,
        booked: Booked,
        mentor: Attendee,
        mentee: Attendee,
        now: datetime,
        correlation_id: UUID | None = None,
    ) -> None:
        repository = uow.repository
        session = self._new_session(uow, pair_id, program_id, occurrence, booked, mentor, mentee, now, correlation_id)
        await repository.add_sessions([session])
        generations = await repository.feed_generations([mentor.participant_id, mentee.participant_id])
        uow.emit(_scheduled(session, generations), correlation_id=session.correlation_id)

    def _new_session(
        self,
        uow: SchedulingUnit,
        pair_id: UUID,
        program_id: str,
        occurrence: int,
        booked: Booked,
        mentor: Attendee,
        mentee: Attendee,
        now: datetime,
        correlation_id: UUID | None = None,
    ) -> NewSession:
        """The session booked, with its timers, in the chain of `correlation_id` or else of what caused `uow`."""
        return NewSession(
            session_id=uuid4(),
            pair_id=pair_id,
            program_id=program_id,
            occurrence=occurrence,
            booked=booked,
            mentor=mentor,
            mentee=mentee,
            timers=timers_for(booked, self._policy, now),
            correlation_id=correlation_id or (uow.cause.correlation_id if uow.cause else None),
        )

    async def _move(
        self,
        uow: SchedulingUnit,
        session: Session,
        requested: datetime | None,
        now: datetime,
        reason: MoveReason,
        requested_by: UUID | None,
    ) -> SessionRescheduled | Refused:
        repository = uow.repository
        mentor, mentee = await repository.attendee(session.mentor_id), await repository.attendee(session.mentee_id)
        if mentor is None or mentee is None:
            return Refused("one of the two participants has left the program", session)
        outcome = reschedule(
            await repository.availability(mentor, now),
            await repository.availability(mentee, now),
            session.booked,
            requested,
            now,
            self._policy,
        )
        if isinstance(outcome, NoSlot):
            return Refused(outcome.reason, session)
        sequence = await repository.move_session(
            session.session_id, outcome, timers_for(outcome, self._policy, now), now
        )
        generations = await repository.feed_generations([mentor.participant_id, mentee.participant_id])
        moved = SessionRescheduled(
            session_id=session.session_id,
            pair_id=session.pair_id,
            program_id=session.program_id,
            kind=session.kind,
            previous_starts_at=session.starts_at,
            starts_at=outcome.starts_at,
            duration_minutes=session.duration_minutes,
            mentor=_attendee_time(mentor, outcome, generations),
            mentee=_attendee_time(mentee, outcome, generations),
            reason=reason,
            requested_by=requested_by,
            sequence=sequence,
        )
        uow.emit(moved, correlation_id=session.correlation_id)
        return moved

    async def _cancel_one(
        self,
        uow: SchedulingUnit,
        session: Session,
        now: datetime,
        reason: CancellationReason,
        requested_by: UUID | None,
    ) -> SessionCancelled:
        repository = uow.repository
        latest = session.occurrence == await repository.latest_occurrence(session.pair_id)
        cancelled = self._emit_cancelled(
            uow,
            await repository.cancel_session(session.session_id, now),
            reason,
            now,
            told=list(session.attendee_ids),
            requested_by=requested_by,
        )
        if latest:
            # The series was waiting for this session to be held; it goes on from here instead.
            await self._advance(uow, session)
        return cancelled

    def _emit_cancelled(
        self,
        uow: SchedulingUnit,
        session: Session,
        reason: CancellationReason,
        now: datetime,
        told: list[UUID],
        requested_by: UUID | None = None,
    ) -> SessionCancelled:
        """`session` as it is once cancelled: its sequence already raised."""
        cancelled = SessionCancelled(
            session_id=session.session_id,
            pair_id=session.pair_id,
            program_id=session.program_id,
            kind=session.kind,
            starts_at=session.starts_at,
            duration_minutes=session.duration_minutes,
            participant_ids=told,
            reason=reason,
            requested_by=requested_by,
            sequence=session.sequence,
            cancelled_at=now,
        )
        uow.emit(cancelled, correlation_id=session.correlation_id)
        if (v1 := cancelled.as_v1()) is not None:
            uow.emit(v1, correlation_id=session.correlation_id)
        return cancelled


def _scheduled(session: NewSession, generations: Mapping[UUID, int]) -> SessionScheduled:
    booked = session.booked
    return SessionScheduled(
        session_id=session.session_id,
        pair_id=session.pair_id,
        program_id=session.program_id,
        kind="kickoff" if session.occurrence == 0 else "check_in",
        occurrence=session.occurrence,
        starts_at=booked.starts_at,
        duration_minutes=int(booked.duration.total_seconds() // 60),
        mentor=_attendee_time(session.mentor, booked, generations),
        mentee=_attendee_time(session.mentee, booked, generations),
    )


def _attendee_time(attendee: Attendee, booked: Booked, generations: Mapping[UUID, int]) -> SessionAttendee:
    """The attendee as the session event tells them: their feed's current generation, never its address."""
    return SessionAttendee(
        participant_id=attendee.participant_id,
        time_zone=attendee.time_zone,
        local_start=booked.starts_at.astimezone(zone_named(attendee.time_zone)),
        feed_generation=generations[attendee.participant_id],
    )


def _closed(session: Session, now: datetime) -> Refused | None:
    if session.status != "scheduled":
        return Refused(f"the session is {session.status}", session)
    if session.starts_at <= now:
        return Refused("the session has already started", session)
    return None


def build_handlers(scheduler: Scheduler) -> EventHandlers[SchedulingRepository]:
    handlers = EventHandlers[SchedulingRepository]()

    @handlers.handles_many(PairCreated)
    async def pairs_created(uow: SchedulingUnit, events: list[PairCreated]) -> None:
        await scheduler.pairs_created(uow, events)

    @handlers.handles(CheckInDue)
    async def check_in_due(uow: SchedulingUnit, event: CheckInDue) -> None:
        await scheduler.session_held(uow, event)

    @handlers.handles_inbound(SessionRescheduleRequested)
    async def reschedule_requested(uow: SchedulingUnit, event: SessionRescheduleRequested) -> None:
        await _answer(
            uow,
            "rescheduled",
            scheduler.reschedule(
                uow,
                event.session_id,
                event.starts_at,
                event.requested_by,
                pair_id=event.pair_id,
            ),
        )

    @handlers.handles_inbound(SessionCancellationRequested)
    async def cancellation_requested(uow: SchedulingUnit, event: SessionCancellationRequested) -> None:
        await _answer(
            uow, "cancelled", scheduler.cancel(uow, event.session_id, event.requested_by, pair_id=event.pair_id)
        )

    @handlers.handles(PairDissolved)
    async def pair_dissolved(uow: SchedulingUnit, event: PairDissolved) -> None:
        await scheduler.end_pair(uow, event.pair_id, "ended")

    @handlers.handles(PairCompleted)
    async def pair_completed(uow: SchedulingUnit, event: PairCompleted) -> None:
        await scheduler.end_pair(uow, event.pair_id, "completed")

    @handlers.handles(ParticipantWithdrawn)
    async def participant_withdrawn(uow: SchedulingUnit, event: ParticipantWithdrawn) -> None:
        await scheduler.participant_left(uow, event.participant_id, "participant_withdrawn")

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: SchedulingUnit, event: ParticipantErased) -> None:
        """Sessions keep ids and time zones only; what scheduling knew of the person (hours, absences) goes."""
        await scheduler.participant_left(uow, event.participant_id, "participant_erased")

    @handlers.handles(ParticipantUpdated)
    async def participant_updated(uow: SchedulingUnit, event: ParticipantUpdated) -> None:
        """New hours, zone or budget count for the sessions booked from now on."""
        profile = event.profile
        await uow.repository.update_attendee(
            Attendee(
                event.participant_id,
                profile.time_zone,
                tuple(profile.working_hours),
                profile.country,
                profile.hours_per_month,
            )
        )

    return handlers


async def _answer(uow: SchedulingUnit, done: str, command: Awaitable[Event | Refused]) -> None:
    """A command from Kafka: an unknown session is a dead letter, a refusal is published as `SchedulingFailed`."""
    try:
        outcome = await command
    except UnknownSession as error:
        raise RejectedEvent(str(error)) from None
    if isinstance(outcome, Refused):
        session = outcome.session
        uow.emit(
            SchedulingFailed(
                pair_id=session.pair_id,
                program_id=session.program_id,
                session_id=session.session_id,
                reason=f"not {done}: {outcome.reason}",
            )
        )
