"""What the portal does on events: an erased person's sign-ins end with them."""

from __future__ import annotations

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import ParticipantErased
from flipside_shared.unit_of_work import UnitOfWork

from .repository import PortalRepository


def build_handlers() -> EventHandlers[PortalRepository]:
    handlers = EventHandlers[PortalRepository]()

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: UnitOfWork[PortalRepository], event: ParticipantErased) -> None:
        await uow.repository.end_sessions_of(event.participant_id)

    return handlers
