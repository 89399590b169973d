"""What scheduling does with each event it consumes."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

import structlog

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import (
    AttendeeTime,
    PairCreated,
    PairDissolved,
    ParticipantErased,
    SchedulingFailed,
    SessionCancelled,
    SessionScheduled,
)
from flipside_shared.unit_of_work import UnitOfWork

from .domain.calendar import Availability
from .domain.clock import Clock
from .domain.kickoff import Booked, NoSlot, SchedulingPolicy, book_kickoff, timers_for
from .repository import SchedulingRepository

log = structlog.get_logger(__name__)

FeedUrl = Callable[[UUID], str]
"""A participant's calendar feed address, token included."""


def build_handlers(clock: Clock, policy: SchedulingPolicy, feed_url: FeedUrl) -> EventHandlers:
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
        uow.emit(_scheduled(session_id, pair, outcome, feed_url))

    @handlers.handles(PairDissolved)
    async def pair_dissolved(uow: UnitOfWork, event: PairDissolved) -> None:
        """The pair's future sessions and their reminders and check-ins are off; both are told."""
        now = clock.now()
        for session in await SchedulingRepository(uow.conn).cancel_future_sessions(now, pair_id=event.pair_id):
            uow.emit(_cancelled(session, "pair_dissolved", now, told=[session["mentor_id"], session["mentee_id"]]))

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: UnitOfWork, event: ParticipantErased) -> None:
        """Sessions hold no personal data beyond ids and time zones; future ones no longer take place,
        and the partner is told."""
        now = clock.now()
        for session in await SchedulingRepository(uow.conn).cancel_future_sessions(now, participant_id=event.participant_id):
            partner = [p for p in (session["mentor_id"], session["mentee_id"]) if p != event.participant_id]
            uow.emit(_cancelled(session, "participant_erased", now, told=partner))

    return handlers


def _cancelled(session, reason: str, now, told: list) -> SessionCancelled:
    return SessionCancelled(
        session_id=session["session_id"],
        pair_id=session["pair_id"],
        program_id=session["program_id"],
        kind=session["kind"],
        starts_at=session["starts_at"],
        duration_minutes=session["duration_minutes"],
        participant_ids=told,
        reason=reason,
        cancelled_at=now,
    )


def _scheduled(session_id, pair: PairCreated, booked: Booked, feed_url: FeedUrl) -> SessionScheduled:
    def attendee(member) -> AttendeeTime:
        zone = Availability.of(member).time_zone
        return AttendeeTime(
            participant_id=member.participant_id,
            time_zone=member.time_zone,
            local_start=booked.starts_at.astimezone(zone),
            calendar_feed_url=feed_url(member.participant_id),
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
