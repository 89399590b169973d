"""Participants and pairs as the matching rules see them: plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from flipside_shared.events import ParticipantProfile


@dataclass(frozen=True)
class Participant:
    participant_id: UUID
    profile: ParticipantProfile
    active_pairs: int
    enrolled_at: datetime

    @property
    def has_capacity(self) -> bool:
        return self.active_pairs < self.profile.capacity

    def can_mentor(self) -> bool:
        return self.profile.role in ("mentor", "either")

    def can_be_mentored(self) -> bool:
        return self.profile.role in ("mentee", "either")


@dataclass(frozen=True)
class MatchPolicy:
    """A program's hard rule: how many grades below the mentee the mentor is (the reverse rule)."""

    min_grade_gap: int = 1


@dataclass(frozen=True)
class PairCandidate:
    mentor: Participant
    mentee: Participant
    score: float
    reasons: tuple[str, ...]


def anonymised(profile: ParticipantProfile) -> ParticipantProfile:
    """What stays of an erased participant: enough for program aggregates, nothing that identifies them."""
    return profile.model_copy(
        update={
            "display_name": "erased participant",
            "email": "erased@erased.invalid",
            "manager_id": None,
            "country": None,
            "skills": [],
            "goals": [],
            "interests": [],
            "exclusions": [],
        }
    )
