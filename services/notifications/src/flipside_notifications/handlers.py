"""What notifications does with each event it consumes: remember people, record what is owed to whom.

Sending happens in the dispatcher, never in a handler: a slow mail relay must not
hold up the stream, and a send cannot take part in the handler's transaction.
Every Flipside event except notifications' own may also be owed to webhook
subscribers, so notifications consumes every stream but its own (which a subscriber
could otherwise turn into a loop of deliveries announcing deliveries). One person's
answers (private events) are neither consumed nor passed on.
"""

from __future__ import annotations

from typing import TypeAlias
from uuid import UUID

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import (
    EVENT_TYPES,
    SUBSCRIBABLE_EVENT_TYPES,
    Event,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUpdated,
)
from flipside_shared.unit_of_work import UnitOfWork

from .conversation_guides import learn_areas, with_conversation_guides
from .domain.messages import MessageDue, PersonalLinks, messages_for
from .repository import NotificationsRepository

NotificationsUnit: TypeAlias = UnitOfWork[NotificationsRepository]
"""A unit of work on notifications' schema: what the handler and the dispatcher's rounds run in."""


async def _learn_about_people(repository: NotificationsRepository, event: Event) -> None:
    match event:
        case ParticipantEnrolled():
            await repository.save_recipient(event.participant_id, event.profile)
        case ParticipantUpdated():
            await repository.update_recipient(event.participant_id, event.profile)
        case ParticipantErased():
            await repository.forget(event.participant_id)


async def owe_messages(
    repository: NotificationsRepository,
    event_id: UUID,
    correlation_id: UUID | None,
    messages: list[MessageDue],
) -> None:
    """One delivery per message and channel its recipient has chosen (e-mail until they choose)."""
    chosen = await repository.channels_of([m.recipient_id for m in messages])
    await repository.add_deliveries(
        event_id,
        correlation_id,
        [(m, channel) for m in messages for channel in chosen.get(m.recipient_id, ["email"])],
    )


def build_handlers(links: PersonalLinks) -> EventHandlers[NotificationsRepository]:
    async def handle(uow: NotificationsUnit, event: Event) -> None:
        # What is owed is keyed by the consumed event's id and chain: without it there is nothing to record it under.
        if (cause := uow.cause) is None:
            raise ValueError(f"{event.ce_type} reached notifications without the consumed event that carries it")
        repository = uow.repository
        await _learn_about_people(repository, event)
        await learn_areas(repository, event)
        if messages := await with_conversation_guides(repository, event, messages_for(event, links)):
            await owe_messages(repository, cause.id, cause.correlation_id, messages)
        await repository.owe_webhooks(cause.id, cause.correlation_id, cause.type, cause.structured())

    handlers = EventHandlers[NotificationsRepository]()
    for ce_type in SUBSCRIBABLE_EVENT_TYPES:
        handlers.handles(EVENT_TYPES[ce_type])(handle)
    return handlers
