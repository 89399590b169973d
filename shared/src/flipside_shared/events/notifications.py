"""The `notifications` stream: what reached people, keyed by recipient id."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from .base import Event, Stream

NOTIFICATIONS = Stream(name="notifications", key_field="participant_id")


class NotificationSent(Event):
    ce_type = "flipside.notification.sent.v1"
    stream = NOTIFICATIONS

    notification_id: UUID
    participant_id: UUID
    channel: Literal["email"]
    template: str
    cause_event_id: UUID
    sent_at: datetime
