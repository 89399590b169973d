"""What notifications does with each event it consumes: remember people, record what is owed to whom.

Sending happens in the dispatcher, never in a handler: a slow mail relay must not
hold up the stream, and a send cannot take part in the handler's transaction.
Every Flipside event except notifications' own may also be owed to webhook
subscribers, so notifications consumes every stream but its own (which a subscriber
could otherwise turn into a loop of deliveries announcing deliveries). One person's
answers (private events) are neither consumed nor passed on.
"""

from __future__ import annotations

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import (
    EVENT_TYPES,
    SUBSCRIBABLE_EVENT_TYPES,
    FeedbackRequested,
    PairCreated,
    SessionScheduled,
)

from .notices import Notices
from .repository import NotificationsRepository


def build_handlers(notices: Notices) -> EventHandlers[NotificationsRepository]:
    handlers = EventHandlers[NotificationsRepository]()
    for ce_type in SUBSCRIBABLE_EVENT_TYPES:
        handlers.handles(EVENT_TYPES[ce_type])(notices.take)
    # The bulk of a busy day's deliveries: taken a run at a time, with a statement per table for the run.
    handlers.handles_many(PairCreated)(notices.take_many)
    handlers.handles_many(SessionScheduled)(notices.take_many)
    handlers.handles_many(FeedbackRequested)(notices.take_many)
    return handlers
