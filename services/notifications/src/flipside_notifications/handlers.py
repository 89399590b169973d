"""What notifications does with each event it consumes: remember people, record messages owed.

Sending happens in the dispatcher, never in a handler: a slow mail relay must not
hold up the stream, and a send cannot take part in the handler's transaction.
"""

from __future__ import annotations

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import (
    FeedbackRequested,
    PairCreated,
    PairProposed,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUnmatched,
    ParticipantUpdated,
    ReminderDue,
    SessionCancelled,
    SessionRescheduled,
    SessionScheduled,
)
from flipside_shared.unit_of_work import UnitOfWork

from .domain.messages import messages_for
from .repository import NotificationsRepository


def build_handlers() -> EventHandlers:
    handlers = EventHandlers()

    @handlers.handles(ParticipantEnrolled)
    async def participant_enrolled(uow: UnitOfWork, event: ParticipantEnrolled) -> None:
        await NotificationsRepository(uow.conn).save_recipient(event.participant_id, event.profile)

    @handlers.handles(ParticipantUpdated)
    async def participant_updated(uow: UnitOfWork, event: ParticipantUpdated) -> None:
        await NotificationsRepository(uow.conn).update_recipient(event.participant_id, event.profile)

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: UnitOfWork, event: ParticipantErased) -> None:
        await NotificationsRepository(uow.conn).forget(event.participant_id)

    async def owe_messages(uow: UnitOfWork, event) -> None:
        cause = uow.cause
        await NotificationsRepository(uow.conn).owe(cause.id, cause.correlation_id, messages_for(event))

    for event_type in (
        PairCreated, PairProposed, ParticipantUnmatched, SessionScheduled, SessionRescheduled, SessionCancelled, ReminderDue,
        FeedbackRequested,
    ):
        handlers.handles(event_type)(owe_messages)

    return handlers
