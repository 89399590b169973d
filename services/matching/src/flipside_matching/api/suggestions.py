"""Suggestions: ranked partners to pick from, proposals, and the other side's answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import acting_as, authenticated, require_self_or_lead
from flipside_shared.dependencies import component
from flipside_shared.auth.tokens import Principal
from flipside_shared.events import PairAccepted, PairDeclined, PairProposed
from flipside_shared.rate_limit import limit_per_person
from flipside_shared.text import Text

from ..domain.engine import ranked, score_pair
from ..domain.model import Participant, ProgramPolicy, ScoredPair
from ..domain.reporting import chains
from ..domain.rules import violations
from ..handlers import CANDIDATES_CONSIDERED
from ..repository import MatchingRepository
from .common import Accepted, member_or_404, pair_view, program_or_404

router = APIRouter()

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
    program_id: str, participant_id: UUID, request: Request, k: int = 5, principal: Principal = Depends(require_self_or_lead()),
) -> list[dict]:
    """The `k` best partners still free for this participant, with scores and reasons, for them to pick one.

    The participant (or an admin) sees who each candidate is; a program lead sees ids, scores and reasons only."""
    if not 1 <= k <= 50:
        raise HTTPException(422, "k is 1 to 50")
    runtime, engine = request.app.state.runtime, component(Engine)(request)
    async with runtime.pool.acquire() as conn:
        repository = MatchingRepository(conn)
        found = await program_or_404(repository, program_id)
        person = await member_or_404(repository, program_id, participant_id)
        waiting = await repository.waiting(program_id, CANDIDATES_CONSIDERED)
        org = await repository.managers_above([person.participant_id, *(p.participant_id for p in waiting)])
    best = ranked(person, waiting, found.policy, engine.taxonomy, engine.first_week(), org, k)
    shown = [_suggestion(pair, person, found.policy) for pair in best]
    if principal.may_act_as(participant_id):
        return shown
    return [{name: value for name, value in suggestion.items() if name not in CANDIDATE_PROFILE} for suggestion in shown]


@router.post("/programs/{program_id}/proposals", status_code=status.HTTP_201_CREATED, dependencies=[Depends(limit_per_person("proposals"))])
async def propose(program_id: str, body: ProposalRequest, request: Request, principal: Principal = Depends(authenticated)) -> dict:
    """Pick a partner: a proposal the other side accepts or declines before it expires. The proposer is the caller."""
    acting_as(principal, body.proposer_id)
    runtime, engine = request.app.state.runtime, component(Engine)(request)
    async with runtime.units.begin() as uow:
        repository = MatchingRepository(uow.conn)
        found = await program_or_404(repository, program_id)
        await repository.lock_program(program_id)
        proposer = await member_or_404(repository, program_id, body.proposer_id)
        candidate = await member_or_404(repository, program_id, body.candidate_id)
        above = chains(await repository.managers_above([proposer.participant_id, candidate.participant_id]))
        # (mentor, mentee), the proposer's own role first: "either" people may go both ways.
        orders = [(candidate, proposer), (proposer, candidate)]
        if not proposer.can_be_mentored():
            orders.reverse()
        attempts = [(mentor, mentee, violations(mentor, mentee, found.policy, above, engine.first_week())) for mentor, mentee in orders]
        allowed = [(mentor, mentee) for mentor, mentee, broken in attempts if not broken]
        if not allowed:
            raise HTTPException(409, {"message": "these two cannot be paired", "violations": attempts[0][2]})
        mentor, mentee = allowed[0]
        pair = score_pair(mentor, mentee, found.policy, engine.taxonomy, engine.first_week())
        pair_id = uuid4()
        expires_at = datetime.now(UTC) + timedelta(hours=found.policy.proposal_expiry_hours)
        if not await repository.add_proposal(pair_id, pair, proposer.participant_id, expires_at):
            raise HTTPException(409, "a proposal between these two is already waiting for an answer")
        envelope = uow.emit(PairProposed(
            pair_id=pair_id, program_id=program_id, mentor_id=mentor.participant_id, mentee_id=mentee.participant_id,
            proposed_by=proposer.participant_id, score=pair.score, score_breakdown=pair.breakdown,
            reasons=list(pair.reasons), expires_at=expires_at,
        ))
    return {"pair_id": str(pair_id), "event_id": str(envelope.id), "expires_at": expires_at.isoformat(), **pair_view(pair)}


@router.post("/proposals/{pair_id}/accept", status_code=status.HTTP_202_ACCEPTED)
async def accept(pair_id: UUID, body: Answer, request: Request, principal: Principal = Depends(authenticated)) -> Accepted:
    """The other side says yes (the caller); the pair is created once the rules are checked again."""
    acting_as(principal, body.participant_id)
    async with request.app.state.runtime.units.begin() as uow:
        proposal = await _open_proposal(MatchingRepository(uow.conn), pair_id, body.participant_id)
        envelope = uow.emit(PairAccepted(
            pair_id=pair_id, program_id=proposal.program_id, accepted_by=body.participant_id, accepted_at=datetime.now(UTC),
        ))
    return Accepted(event_id=envelope.id)


@router.post("/proposals/{pair_id}/decline", status_code=status.HTTP_202_ACCEPTED)
async def decline(pair_id: UUID, body: Answer, request: Request, principal: Principal = Depends(authenticated)) -> Accepted:
    acting_as(principal, body.participant_id)
    async with request.app.state.runtime.units.begin() as uow:
        proposal = await _open_proposal(MatchingRepository(uow.conn), pair_id, body.participant_id)
        envelope = uow.emit(PairDeclined(
            pair_id=pair_id, program_id=proposal.program_id, reason="declined", note=body.note, declined_at=datetime.now(UTC),
        ))
    return Accepted(event_id=envelope.id)


async def _open_proposal(repository: MatchingRepository, pair_id: UUID, participant_id: UUID):
    proposal = await repository.proposal(pair_id)
    if proposal is None:
        raise HTTPException(404, "no proposal with this id")
    if participant_id not in (proposal.mentor_id, proposal.mentee_id) or participant_id == proposal.proposed_by:
        raise HTTPException(403, "only the side that was asked can answer a proposal")
    if proposal.status != "pending" or proposal.expires_at <= datetime.now(UTC):
        raise HTTPException(409, f"the proposal is {proposal.status if proposal.status != 'pending' else 'expired'}")
    return proposal


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
