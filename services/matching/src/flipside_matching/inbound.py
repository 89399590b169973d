"""Participant events from HR systems and the operator command, on the inbound topic.

Matching owns participant data, so it is the one that takes them: it checks each as it checks the same
request over HTTP and publishes it on `participants`, where every service, matching included, takes it
as it takes one made in Flipside. Refused ones go to the dead-letter topic with the reason.
"""

from __future__ import annotations

from flipside_shared.consumer import EventHandlers, RejectedEvent
from flipside_shared.events import ParticipantEnrolled, ParticipantErased, ParticipantUpdated, ParticipantWithdrawn
from flipside_shared.unit_of_work import UnitOfWork

from .domain.model import Participant
from .handlers import check_grade, check_profile_change, known_program
from .repository import MatchingRepository


def take_inbound(handlers: EventHandlers) -> None:
    @handlers.handles_inbound(ParticipantEnrolled)
    async def enrolment(uow: UnitOfWork, event: ParticipantEnrolled) -> None:
        program = await known_program(MatchingRepository(uow.conn), event.profile.program_id)
        check_grade(program, event.profile.grade)
        uow.emit(event)

    @handlers.handles_inbound(ParticipantUpdated)
    async def profile_change(uow: UnitOfWork, event: ParticipantUpdated) -> None:
        repository = MatchingRepository(uow.conn)
        program = await known_program(repository, event.profile.program_id)
        check_grade(program, event.profile.grade)
        check_profile_change(await enrolled(repository, event), event.profile)
        uow.emit(event)

    @handlers.handles_inbound(ParticipantWithdrawn)
    async def withdrawal(uow: UnitOfWork, event: ParticipantWithdrawn) -> None:
        await enrolled(MatchingRepository(uow.conn), event)
        uow.emit(event)

    @handlers.handles_inbound(ParticipantErased)
    async def erasure(uow: UnitOfWork, event: ParticipantErased) -> None:
        uow.emit(event)


async def enrolled(repository: MatchingRepository, event: ParticipantUpdated | ParticipantWithdrawn) -> Participant:
    person = await repository.participant(event.participant_id)
    if person is None:
        raise RejectedEvent(f"no enrolled participant {event.participant_id}")
    return person
