"""The `pairs` stream: pairs of a mentor and a mentee, keyed by pair id."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from ..text import FEW_ITEMS, Few, Identifier, Text
from . import sources as source
from .base import Event, Stream, StrictModel
from .participants import WorkingHours

PAIRS = Stream(name="pairs", key_field="pair_id")


class PairMember(StrictModel):
    """What schedulers need of each side, carried so they need no second look-up."""

    participant_id: UUID
    time_zone: Identifier
    working_hours: Few[WorkingHours]
    country: Identifier | None = None
    hours_per_month: int | None = Field(
        default=None, ge=1, description="Time budget for the program: sessions never exceed it."
    )


class PairCreated(Event):
    ce_type = "flipside.pair.created.v1"
    stream = PAIRS
    sources = (source.MATCHING,)

    pair_id: UUID
    program_id: Identifier
    mentor: PairMember
    mentee: PairMember
    score: float
    reasons: Few[Text] = Field(description="Why this pair: each rule and weight that counted.")
    matched_at: datetime
    score_breakdown: dict[Identifier, float] = Field(
        default_factory=dict,
        max_length=FEW_ITEMS,
        description="The score by factor, each already weighted by the program's published weights; sums to `score`.",
    )


class PairDissolved(Event):
    """A pair ends before the program does; matching looks for a new partner for each side (never this one)."""

    ce_type = "flipside.pair.dissolved.v1"
    stream = PAIRS
    sources = (source.MATCHING,)

    pair_id: UUID
    program_id: Identifier
    reason: Literal["mismatch", "at_risk", "left_company", "withdrawn", "admin", "rerun", "other"]
    note: Text | None = Field(default=None, description="For the program lead; not personal data.")
    rematch: bool = Field(default=True, description="Whether both sides should be matched again.")
    dissolved_at: datetime


class PairProposed(Event):
    """Someone picked a suggested partner; the pair exists once the other side accepts (`PairAccepted`)."""

    ce_type = "flipside.pair.proposed.v1"
    stream = PAIRS
    sources = (source.MATCHING,)

    pair_id: UUID = Field(description="The id the pair will have once accepted.")
    program_id: Identifier
    mentor_id: UUID
    mentee_id: UUID
    proposed_by: UUID
    score: float
    score_breakdown: dict[Identifier, float] = Field(max_length=FEW_ITEMS)
    reasons: Few[Text]
    expires_at: datetime


class PairAccepted(Event):
    """The other side accepts a proposal: matching checks the rules again and creates the pair."""

    ce_type = "flipside.pair.accepted.v1"
    stream = PAIRS
    sources = (source.MATCHING,)

    pair_id: UUID
    program_id: Identifier
    accepted_by: UUID
    accepted_at: datetime


class PairDeclined(Event):
    """A proposal ends without a pair: turned down, expired, or no longer allowed by the rules."""

    ce_type = "flipside.pair.declined.v1"
    stream = PAIRS
    sources = (source.MATCHING,)

    pair_id: UUID
    program_id: Identifier
    reason: Literal["declined", "expired", "no_longer_possible"]
    note: Text | None = None
    declined_at: datetime


class PairCompleted(Event):
    """A pair ended as planned (its program completed or was cancelled): no more sessions or check-ins, each side's
    room is free again, and neither is paired again in this program."""

    ce_type = "flipside.pair.completed.v1"
    stream = PAIRS
    sources = (source.MATCHING,)

    pair_id: UUID
    program_id: Identifier
    mentor_id: UUID
    mentee_id: UUID
    reason: Literal["program_completed", "program_cancelled"]
    completed_at: datetime
