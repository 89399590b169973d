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
from flipside_shared.events import EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES, ParticipantEnrolled

from .notices import TAKEN_IN_RUNS, Notices
from .repository import NotificationsRepository


def build_handlers(notices: Notices) -> EventHandlers[NotificationsRepository]:
    handlers = EventHandlers[NotificationsRepository]()
    for ce_type in SUBSCRIBABLE_EVENT_TYPES:
        handlers.handles(EVENT_TYPES[ce_type])(notices.take)
    # The bulk of a busy day's deliveries, and the events that teach nothing to keep: taken a run at a time, with a
    # statement per table for the run.
    for event_type in TAKEN_IN_RUNS:
        handlers.handles_many(event_type)(notices.take_many)
    handlers.handles_many(ParticipantEnrolled)(notices.enrol_many)
    return handlers
