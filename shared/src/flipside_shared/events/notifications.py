"""The `notifications` stream: what reached people and what could not, keyed by recipient id."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ..text import Identifier, Text
from . import sources as source
from .base import Event, Stream

NOTIFICATIONS = Stream(name="notifications", key_field="participant_id")

PersonChannel = Literal["email", "slack", "teams"]


class NotificationSent(Event):
    """A message about `cause_event_id` reached the participant on `channel`.

    Version 2 adds the chat channels, `attempts`, and `digest_id` for a message that went out as part
    of a daily digest (one `NotificationSent` per event folded into it, all with the digest's id).
    """

    ce_type = "flipside.notification.sent.v2"
    stream = NOTIFICATIONS
    sources = (source.NOTIFICATIONS,)

    notification_id: UUID
    participant_id: UUID
    channel: PersonChannel
    template: Identifier
    cause_event_id: UUID
    sent_at: datetime
    attempts: int
    digest_id: UUID | None = None

    def as_v1(self) -> NotificationSentV1 | None:
        """The same delivery for subscribers of version 1, which knew e-mail only."""
        if self.channel != "email":
            return None
        return NotificationSentV1(**self.model_dump(exclude={"attempts", "digest_id"}))


class NotificationSentV1(Event):
    """Deprecated by `flipside.notification.sent.v2`, and still published beside it for e-mails."""

    ce_type = "flipside.notification.sent.v1"
    stream = NOTIFICATIONS
    sources = (source.NOTIFICATIONS,)

    notification_id: UUID
    participant_id: UUID
    channel: Literal["email"]
    template: Identifier
    cause_event_id: UUID
    sent_at: datetime


class NotificationFailed(Event):
    """A message about `cause_event_id` will not reach the participant on `channel`, and why.

    `permanent` is true when the receiving side refused it for good (SMTP 5xx, HTTP 4xx); false when
    temporary failures went on for every attempt there was.
    """

    ce_type = "flipside.notification.failed.v1"
    stream = NOTIFICATIONS
    sources = (source.NOTIFICATIONS,)

    notification_id: UUID
    participant_id: UUID
    channel: PersonChannel
    template: Identifier
    cause_event_id: UUID
    reason: Text
    permanent: bool
    attempts: int
    failed_at: datetime
