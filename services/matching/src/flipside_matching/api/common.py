"""What the matching routes share: the engine's context, look-ups that answer 404, views of a pair."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from fastapi import HTTPException
from pydantic import BaseModel

from ..domain.availability import first_monday_after
from ..domain.model import Participant, ScoredPair
from ..domain.taxonomy import Taxonomy
from ..handlers import Today
from ..repository import MatchingRepository, Program


@dataclass(frozen=True)
class Engine:
    """What the routes need of the matching engine besides the database, put on `app.state.engine`."""

    taxonomy: Taxonomy
    today: Today

    def first_week(self):
        return first_monday_after(self.today())


class Accepted(BaseModel):
    event_id: UUID


async def program_or_404(repository: MatchingRepository, program_id: str) -> Program:
    found = await repository.program(program_id)
    if found is None:
        raise HTTPException(404, f"unknown program {program_id!r}: create it with PUT /programs/{program_id}")
    return found


async def member_or_404(repository: MatchingRepository, program_id: str, participant_id: UUID) -> Participant:
    person = await repository.participant(participant_id)
    if person is None or person.profile.program_id != program_id:
        raise HTTPException(404, f"participant {participant_id} is not enrolled in program {program_id!r}")
    return person


def pair_view(pair: ScoredPair) -> dict:
    return {
        "mentor_id": str(pair.mentor.participant_id),
        "mentee_id": str(pair.mentee.participant_id),
        "score": pair.score,
        "score_breakdown": pair.breakdown,
        "reasons": list(pair.reasons),
    }
