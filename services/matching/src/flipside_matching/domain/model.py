"""Participants, programs and pairs as the matching rules see them: plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from flipside_shared.events import ParticipantProfile
from flipside_shared.events.base import StrictModel
from flipside_shared.text import Name

FACTORS = ("mentor_teaches", "mentee_teaches", "interests", "communication", "time_overlap", "cross_department")
"""The soft factors of a score, each worth 0 to 1 before its weight."""


class Weights(StrictModel):
    """How much each soft factor counts in a program; an admin can change them, and they are published."""

    mentor_teaches: float = Field(0.35, ge=0, le=10, description="Mentor's skills meet the mentee's goals.")
    mentee_teaches: float = Field(
        0.25, ge=0, le=10, description="Mentee's skills meet the mentor's goals (mutual learning)."
    )
    interests: float = Field(0.10, ge=0, le=10, description="Shared interests.")
    communication: float = Field(0.10, ge=0, le=10, description="Same meeting rhythm, mode, formality and channel.")
    time_overlap: float = Field(0.10, ge=0, le=10, description="Share of working hours both have in common.")
    cross_department: float = Field(0.10, ge=0, le=10, description="A pair across departments.")

    @model_validator(mode="after")
    def _something_counts(self) -> Weights:
        if not any(getattr(self, name) for name in FACTORS):
            raise ValueError("at least one weight must be above 0")
        return self


DEFAULT_LADDER = [f"grade {n}" for n in range(16)]


class ProgramPolicy(StrictModel):
    """A program's matching rules: the hard ones never bend, the weights rank what passes them."""

    direction: Literal["reverse", "ordinary"] = Field(
        "reverse", description="reverse: the mentor is junior to the mentee; ordinary: senior to them."
    )
    min_grade_gap: int = Field(1, ge=0, le=30, description="Grades between mentor and mentee, at least.")
    grades: list[Name] = Field(
        default_factory=lambda: list(DEFAULT_LADDER),
        min_length=2,
        max_length=31,
        description="The seniority ladder, lowest first; a profile's grade indexes it.",
    )
    min_overlap_minutes: int = Field(
        60, ge=0, le=7 * 24 * 60, description="Shared working time per week, at least, in the program's worst week."
    )
    length_weeks: int = Field(
        26, ge=1, le=104, description="Program length: working-hour overlap must hold in every week of it."
    )
    weights: Weights = Field(default_factory=Weights)
    start: Literal["rolling", "cohort_run", "suggestions"] = Field(
        "rolling",
        description="rolling: match each enrolment at once; cohort_run: wait for a match run, then rolling;"
        " suggestions: participants pick from their ranked suggestions and the other side accepts.",
    )
    proposal_expiry_hours: int = Field(
        72, ge=1, le=24 * 30, description="How long a proposed pair waits for the other side."
    )
    candidates_per_mentee: int = Field(
        40,
        ge=1,
        le=5000,
        description="Best candidates kept per mentee for the global assignment of a run.",
    )

    def grade_name(self, grade: int) -> str:
        return self.grades[grade] if 0 <= grade < len(self.grades) else f"grade {grade}"


@dataclass(frozen=True)
class Participant:
    participant_id: UUID
    profile: ParticipantProfile
    active_pairs: int
    enrolled_at: datetime
    mentored: bool = False
    """Whether they already have a mentor (a mentee has one at a time)."""
    partners: frozenset[UUID] = field(default_factory=frozenset)
    """Everyone they have been paired with, now or before: never paired with again."""

    @property
    def mentor_slots(self) -> int:
        return max(0, self.profile.capacity - self.active_pairs) if self.can_mentor() else 0

    @property
    def can_take_a_mentor(self) -> bool:
        return self.can_be_mentored() and not self.mentored and self.active_pairs < self.profile.capacity

    def can_mentor(self) -> bool:
        return self.profile.role in ("mentor", "either")

    def can_be_mentored(self) -> bool:
        return self.profile.role in ("mentee", "either")


@dataclass(frozen=True)
class ScoredPair:
    """A mentor and a mentee who pass every hard rule, with the score of each factor."""

    mentor: Participant
    mentee: Participant
    breakdown: dict[str, float]
    reasons: tuple[str, ...]

    @property
    def score(self) -> float:
        return round(sum(self.breakdown.values()), 6)


def spoken_languages(profile: ParticipantProfile) -> frozenset[str]:
    """The languages someone speaks, by primary subtag: "en-GB", "en_US" and "EN" are all "en"."""
    return frozenset(code.strip().replace("_", "-").split("-")[0].casefold() for code in profile.languages)


def anonymised(profile: ParticipantProfile) -> ParticipantProfile:
    """What stays of an erased participant: enough for program aggregates, nothing that identifies them."""
    return profile.model_copy(
        update={
            "display_name": "erased participant",
            "email": "erased@erased.invalid",
            "manager_id": None,
            "reporting_chain": [],
            "country": None,
            "skills": [],
            "goals": [],
            "interests": [],
            "exclusions": [],
        }
    )
