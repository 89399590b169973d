"""What the matching routes share: what they answer with, views of a pair."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel

from ..domain.model import ScoredPair


class Accepted(BaseModel):
    event_id: UUID


def pair_view(pair: ScoredPair) -> dict[str, object]:
    return {
        "mentor_id": str(pair.mentor.participant_id),
        "mentee_id": str(pair.mentee.participant_id),
        "score": pair.score,
        "score_breakdown": pair.breakdown,
        "reasons": list(pair.reasons),
    }
