"""Participant events from HR systems and the operator command, on the inbound topic.

Matching owns participant data, so it is the one that takes them: it checks each as it checks the same
request over HTTP and publishes it on `participants`, where every service, matching included, takes it
as it takes one made in Flipside. Refused ones go to the dead-letter topic with the reason.
"""

from __future__ import annotations

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import ParticipantEnrolled, ParticipantErased, ParticipantUpdated, ParticipantWithdrawn

from .handlers import rejecting
from .matcher import Matcher, Unit
from .repository import MatchingRepository


def take_inbound(handlers: EventHandlers[MatchingRepository], matcher: Matcher) -> None:
    @handlers.handles_inbound(ParticipantEnrolled)
    async def enrolment(uow: Unit, event: ParticipantEnrolled) -> None:
        await rejecting(matcher.take_enrolment(uow, event))

    @handlers.handles_inbound(ParticipantUpdated)
    async def profile_change(uow: Unit, event: ParticipantUpdated) -> None:
        await rejecting(matcher.take_profile_change(uow, event))

    @handlers.handles_inbound(ParticipantWithdrawn)
    async def withdrawal(uow: Unit, event: ParticipantWithdrawn) -> None:
        await rejecting(matcher.take_withdrawal(uow, event))

    @handlers.handles_inbound(ParticipantErased)
    async def erasure(uow: Unit, event: ParticipantErased) -> None:
        await matcher.take_erasure(uow, event)
