"""What scheduling does with each event it consumes."""

from __future__ import annotations

from uuid import uuid4

import structlog

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import AttendeeTime, PairCreated, ParticipantErased, SchedulingFailed, SessionScheduled
from flipside_shared.unit_of_work import UnitOfWork

from .domain.calendar import Availability
from .domain.clock import Clock
from .domain.kickoff import Booked, NoSlot, SchedulingPolicy, book_kickoff, timers_for
from .repository import SchedulingRepository

log = structlog.get_logger(__name__)


def build_handlers(clock: Clock, policy: SchedulingPolicy) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.handles(PairCreated)
    async def pair_created(uow: UnitOfWork, pair: PairCreated) -> None:
        repository = SchedulingRepository(uow.conn)
        await repository.lock_participants(pair.mentor.participant_id, pair.mentee.participant_id)
        if await repository.has_kickoff(pair.pair_id):
            log.info("kickoff already booked", pair_id=str(pair.pair_id))
            return
        now = max(clock.now(), pair.matched_at)
        mentor = Availability.of(pair.mentor, await repository.busy(pair.mentor.participant_id, now))
        mentee = Availability.of(pair.mentee, await repository.busy(pair.mentee.participant_id, now))
        outcome = book_kickoff(mentor, mentee, now, policy)
        if isinstance(outcome, NoSlot):
            uow.emit(SchedulingFailed(pair_id=pair.pair_id, program_id=pair.program_id, reason=outcome.reason))
            return
        session_id = uuid4()
        correlation_id = uow.cause.correlation_id if uow.cause else None
        await repository.add_kickoff(session_id, pair, outcome, timers_for(outcome, policy), correlation_id)
        uow.emit(_scheduled(session_id, pair, outcome))

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: UnitOfWork, event: ParticipantErased) -> None:
        """Sessions hold no personal data beyond ids and time zones; future ones no longer take place."""
        await SchedulingRepository(uow.conn).cancel_future_sessions(event.participant_id, clock.now())

    return handlers


def _scheduled(session_id, pair: PairCreated, booked: Booked) -> SessionScheduled:
    def attendee(member) -> AttendeeTime:
        zone = Availability.of(member).time_zone
        return AttendeeTime(
            participant_id=member.participant_id,
            time_zone=member.time_zone,
            local_start=booked.starts_at.astimezone(zone),
        )

    return SessionScheduled(
        session_id=session_id,
        pair_id=pair.pair_id,
        program_id=pair.program_id,
        kind="kickoff",
        starts_at=booked.starts_at,
        duration_minutes=int(booked.duration.total_seconds() // 60),
        mentor=attendee(pair.mentor),
        mentee=attendee(pair.mentee),
    )
