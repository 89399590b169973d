"""What matching does with each event it consumes: each handler hands the event to the `Matcher` (enrolments, a
batch's run of them at once)."""

from __future__ import annotations

from collections.abc import Awaitable

from flipside_shared.consumer import EventHandlers, RejectedEvent
from flipside_shared.events import (
    MatchRunRequested,
    PairAccepted,
    PairAtRisk,
    PairDeclined,
    PairDissolved,
    PairHealthChanged,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUpdated,
    ParticipantWithdrawn,
)

from .domain.refusals import Refused
from .matcher import Matcher, Unit
from .repository import MatchingRepository


def build_handlers(matcher: Matcher) -> EventHandlers[MatchingRepository]:
    handlers = EventHandlers[MatchingRepository]()

    @handlers.handles_many(ParticipantEnrolled)
    async def participants_enrolled(uow: Unit, events: list[ParticipantEnrolled]) -> None:
        await rejecting(matcher.participants_enrolled(uow, events))

    @handlers.handles(ParticipantUpdated)
    async def participant_updated(uow: Unit, event: ParticipantUpdated) -> None:
        await rejecting(matcher.participant_updated(uow, event))

    @handlers.handles(ParticipantWithdrawn)
    async def participant_withdrawn(uow: Unit, event: ParticipantWithdrawn) -> None:
        await matcher.participant_withdrawn(uow, event)

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: Unit, event: ParticipantErased) -> None:
        await matcher.participant_erased(uow, event)

    @handlers.handles(MatchRunRequested)
    async def match_run_requested(uow: Unit, event: MatchRunRequested) -> None:
        await rejecting(matcher.run_match(uow, event))

    @handlers.handles(PairDissolved)
    async def pair_dissolved(uow: Unit, event: PairDissolved) -> None:
        await matcher.pair_dissolved(uow, event)

    @handlers.handles(PairAtRisk)
    async def pair_at_risk(uow: Unit, event: PairAtRisk) -> None:
        await rejecting(matcher.pair_at_risk(uow, event))

    @handlers.handles(PairHealthChanged)
    async def pair_health_changed(uow: Unit, event: PairHealthChanged) -> None:
        await matcher.pair_health_changed(uow, event)

    @handlers.handles(PairAccepted)
    async def pair_accepted(uow: Unit, event: PairAccepted) -> None:
        await rejecting(matcher.pair_accepted(uow, event))

    @handlers.handles(PairDeclined)
    async def pair_declined(uow: Unit, event: PairDeclined) -> None:
        await matcher.pair_declined(uow, event)

    return handlers


async def rejecting(use_case: Awaitable[None]) -> None:
    """What the `Matcher` refuses, it will refuse however often the event comes: a dead letter with the reason."""
    try:
        await use_case
    except Refused as refusal:
        raise RejectedEvent(str(refusal)) from None
