"""The `pairs` stream: pairs of a mentor and a mentee, keyed by pair id."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from .base import Event, StrictModel, Stream
from .participants import WorkingHours

PAIRS = Stream(name="pairs", key_field="pair_id")


class PairMember(StrictModel):
    """What schedulers need of each side, carried so they need no second look-up."""

    participant_id: UUID
    time_zone: str
    working_hours: list[WorkingHours]
    country: str | None = None


class PairCreated(Event):
    ce_type = "flipside.pair.created.v1"
    stream = PAIRS

    pair_id: UUID
    program_id: str
    mentor: PairMember
    mentee: PairMember
    score: float
    reasons: list[str] = Field(description="Why this pair: each rule and weight that counted.")
    matched_at: datetime
