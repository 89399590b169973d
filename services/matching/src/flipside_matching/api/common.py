"""What the matching routes share: what they answer with, views of a pair."""

from __future__ import annotations

import re
from uuid import UUID

from pydantic import BaseModel

from ..domain.model import ScoredPair

PROGRAM_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""What a program id may be: a path naming anything else names no program."""


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
