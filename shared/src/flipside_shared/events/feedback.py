"""The `feedback` stream: what the feedback loop asks and learns about a pair, keyed by pair id."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from ..text import FEW_ITEMS, Few, Identifier, Name, Text, Url
from . import sources as source
from .base import Event, Stream

FEEDBACK = Stream(name="feedback", key_field="pair_id")


class FeedbackRequested(Event):
    """One side of a pair is asked about a session, or for their closing self-assessment, until `expires_at`.

    Version 2 carries no survey link: a link is its holder's credential, so notifications makes it (from
    the request id and expiry) for the e-mail alone, and no reader of the topic or webhook subscriber sees it.
    """

    ce_type = "flipside.feedback.requested.v2"
    stream = FEEDBACK
    sources = (source.FEEDBACK,)

    request_id: UUID
    pair_id: UUID
    session_id: UUID
    participant_id: UUID
    role: Literal["mentor", "mentee"]
    expires_at: datetime
    kind: Literal["check_in", "closing_self_assessment"] = Field(
        default="check_in",
        description=(
            "What is asked: the check-in of a session held, or the closing self-assessment once the pair's program"
            " completed (asked once per person and program; `session_id` then names the pair's close, not a session)."
        ),
    )


class FeedbackRequestedV1(Event):
    """Deprecated by `flipside.feedback.requested.v2` and no longer published: it carried the person's survey link.
    Still read, so requests published before the change are asked for all the same."""

    ce_type = "flipside.feedback.requested.v1"
    stream = FEEDBACK
    sources = (source.FEEDBACK,)

    request_id: UUID
    pair_id: UUID
    session_id: UUID
    participant_id: UUID
    role: Literal["mentor", "mentee"]
    survey_url: Url
    expires_at: datetime


GoalCategory = Literal["digital", "ways_of_working", "customers", "leadership", "strategy", "visibility", "other"]
Role = Literal["mentor", "mentee"]
HealthStatus = Literal["healthy", "watch", "at_risk"]
Milestone = Literal["kickoff_held", "three_sessions", "goal_achieved", "program_completed"]


class GoalSet(Event):
    """A learning goal of one side of a pair, set at kickoff or later (the senior's and the junior's alike)."""

    ce_type = "flipside.feedback.goal-set.v1"
    stream = FEEDBACK
    sources = (source.FEEDBACK,)

    goal_id: UUID
    pair_id: UUID
    program_id: Identifier
    owner_id: UUID
    owner_role: Role
    category: GoalCategory
    title: Name
    set_at: datetime


class GoalProgressed(Event):
    """The owner's view of how far a goal has come (0-100 %), from a check-in or on its own."""

    ce_type = "flipside.feedback.goal-progressed.v1"
    stream = FEEDBACK
    sources = (source.FEEDBACK,)

    goal_id: UUID
    pair_id: UUID
    owner_id: UUID
    progress_percent: int = Field(ge=0, le=100)
    updated_at: datetime


class GoalAchieved(Event):
    ce_type = "flipside.feedback.goal-achieved.v1"
    stream = FEEDBACK
    sources = (source.FEEDBACK,)

    goal_id: UUID
    pair_id: UUID
    program_id: Identifier
    owner_id: UUID
    owner_role: Role
    category: GoalCategory
    achieved_at: datetime


class FeedbackSubmitted(Event):
    """A participant's answers to a check-in survey, from an enterprise survey tool (Flipside's own form
    records the same through HTTP). Flipside never publishes answers: they stay with their author.

    `answers` are keyed by the question ids of `questionnaire_version`; `goal_progress` by goal id.
    A later submission for the same request replaces the earlier one until the request expires.
    Survey tools send it on the inbound topic `<prefix>inbound.feedback`, which only they write and only feedback
    reads; no service may emit it on the `feedback` topic, so no other reader of that stream sees anyone's answers.
    """

    ce_type = "flipside.feedback.submitted.v1"
    stream = FEEDBACK
    sources = ()
    inbound_sources = (source.SURVEY_TOOL,)
    private = True

    request_id: UUID
    pair_id: UUID
    participant_id: UUID
    questionnaire_version: int = Field(ge=1)
    answers: dict[Identifier, int | bool | Text | None] = Field(max_length=FEW_ITEMS)
    goal_progress: dict[UUID, int] = Field(default={}, max_length=FEW_ITEMS)
    submitted_at: datetime


class PairHealthChanged(Event):
    """A pair's health moved: score 0 (failing) to 1 (thriving), its band, and why."""

    ce_type = "flipside.feedback.pair-health-changed.v1"
    stream = FEEDBACK
    sources = (source.FEEDBACK,)

    pair_id: UUID
    program_id: Identifier
    score: float = Field(ge=0, le=1)
    status: HealthStatus
    previous_status: HealthStatus | None
    reasons: Few[Text]
    computed_at: datetime


class PairAtRisk(Event):
    """A pair crossed the at-risk threshold. Matching offers a rematch, carried out once the participant
    or the program lead confirms it. The reasons name signals (silence, cancellations, low or uneven
    ratings), never anyone's answers."""

    ce_type = "flipside.feedback.pair-at-risk.v1"
    stream = FEEDBACK
    sources = (source.FEEDBACK,)

    pair_id: UUID
    program_id: Identifier
    mentor_id: UUID
    mentee_id: UUID
    score: float = Field(ge=0, le=1)
    reasons: Few[Text]
    detected_at: datetime


class RecognitionAwarded(Event):
    """A milestone of a pair, for notifications and for HR systems that recognise people."""

    ce_type = "flipside.feedback.recognition-awarded.v1"
    stream = FEEDBACK
    sources = (source.FEEDBACK,)

    recognition_id: UUID
    pair_id: UUID
    program_id: Identifier
    participant_ids: Few[UUID]
    milestone: Milestone
    goal_id: UUID | None = None
    awarded_at: datetime
