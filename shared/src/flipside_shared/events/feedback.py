"""The `feedback` stream: what the feedback loop asks and learns about a pair, keyed by pair id."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from .base import Event, Stream

FEEDBACK = Stream(name="feedback", key_field="pair_id")


class FeedbackRequested(Event):
    ce_type = "flipside.feedback.requested.v1"
    stream = FEEDBACK

    request_id: UUID
    pair_id: UUID
    session_id: UUID
    participant_id: UUID
    role: Literal["mentor", "mentee"]
    survey_url: str
    expires_at: datetime
