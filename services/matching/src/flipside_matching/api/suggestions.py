"""Suggestions: ranked partners to pick from, proposals, and the other side's answer."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import acting_as
from flipside_shared.rate_limit import limit_per_person
from flipside_shared.text import Text

from ..domain.model import Participant, ProgramPolicy, ScoredPair
from .common import Accepted, pair_view
from .dependencies import Caller, MatcherDependency, SelfOrLead, Units
from .refusals import AnsweringRefusals

router = APIRouter(route_class=AnsweringRefusals)

# What a suggestion tells about the candidate as a person: for the participant choosing, not for a lead.
CANDIDATE_PROFILE = ("display_name", "department", "grade", "time_zone")


class ProposalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    proposer_id: UUID
    candidate_id: UUID


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: UUID = Field(description="Who answers: the side that did not propose.")
    note: Text | None = None


@router.get("/programs/{program_id}/participants/{participant_id}/suggestions")
async def suggestions(
    program_id: str,
    participant_id: UUID,
    units: Units,
    matcher: MatcherDependency,
    principal: SelfOrLead,
    k: int = 5,
) -> list[dict]:
    """The `k` best partners still free for this participant, with scores and reasons, for them to pick one.

    The participant (or an admin) sees who each candidate is; a program lead sees ids, scores and reasons only."""
    if not 1 <= k <= 50:
        raise HTTPException(422, "k is 1 to 50")
    async with units.reading() as repository:
        found = await matcher.suggestions(repository, program_id, participant_id, k)
    shown = [_suggestion(pair, found.person, found.policy) for pair in found.best]
    if principal.may_act_as(participant_id):
        return shown
    return [
        {name: value for name, value in suggestion.items() if name not in CANDIDATE_PROFILE} for suggestion in shown
    ]


@router.post(
    "/programs/{program_id}/proposals",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(limit_per_person("proposals"))],
)
async def propose(
    program_id: str, body: ProposalRequest, units: Units, matcher: MatcherDependency, principal: Caller
) -> dict:
    """Pick a partner: a proposal the other side accepts or declines before it expires. The proposer is the caller."""
    acting_as(principal, body.proposer_id)
    async with units.begin() as uow:
        proposed = await matcher.propose(uow, program_id, body.proposer_id, body.candidate_id)
    return {
        "pair_id": str(proposed.pair_id),
        "event_id": str(proposed.envelope.id),
        "expires_at": proposed.expires_at.isoformat(),
        **pair_view(proposed.pair),
    }


@router.post("/proposals/{pair_id}/accept", status_code=status.HTTP_202_ACCEPTED)
async def accept(pair_id: UUID, body: Answer, units: Units, matcher: MatcherDependency, principal: Caller) -> Accepted:
    """The other side says yes (the caller); the pair is created once the rules are checked again."""
    acting_as(principal, body.participant_id)
    async with units.begin() as uow:
        envelope = await matcher.accept(uow, pair_id, body.participant_id)
    return Accepted(event_id=envelope.id)


@router.post("/proposals/{pair_id}/decline", status_code=status.HTTP_202_ACCEPTED)
async def decline(pair_id: UUID, body: Answer, units: Units, matcher: MatcherDependency, principal: Caller) -> Accepted:
    acting_as(principal, body.participant_id)
    async with units.begin() as uow:
        envelope = await matcher.decline(uow, pair_id, body.participant_id, body.note)
    return Accepted(event_id=envelope.id)


def _suggestion(pair: ScoredPair, person: Participant, policy: ProgramPolicy) -> dict:
    other = pair.mentor if pair.mentee is person else pair.mentee
    profile = other.profile
    return {
        "candidate_id": str(other.participant_id),
        "candidate_role": "mentor" if other is pair.mentor else "mentee",
        "display_name": profile.display_name,
        "department": profile.department,
        "grade": policy.grade_name(profile.grade),
        "time_zone": profile.time_zone,
        "score": pair.score,
        "score_breakdown": pair.breakdown,
        "reasons": list(pair.reasons),
    }
