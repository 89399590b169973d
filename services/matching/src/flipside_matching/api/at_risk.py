"""Pairs at risk: the program lead's list, and the answer to a rematch offer (rematch or keep).

`confirmed_by` names who answers; the caller's token must be them (the participant, or a lead of the pair's
program), and the rules check that they have a say over the pair.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import acting_as, forbidden, require_lead
from flipside_shared.auth.tokens import Principal

from ..domain.at_risk import Confirmer, PairStanding
from ..matcher import known_program
from ..repository import MatchingRepository
from .common import Accepted
from .dependencies import Caller, MatcherDependency, Units
from .refusals import AnsweringRefusals

router = APIRouter(route_class=AnsweringRefusals)


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirmed_by: Confirmer = Field(
        description="The pair's mentor or mentee (participant id), or \"program_lead\"; the caller's token must be them.",
    )


@router.get("/programs/{program_id}/pairs/at-risk", dependencies=[Depends(require_lead())])
async def pairs_at_risk(program_id: str, units: Units) -> list[dict]:
    """Active pairs feedback flagged at risk, longest-flagged first: the score and reasons of the latest
    flag, since when, and who confirmed a rematch not yet carried out."""
    async with units.reading() as repository:
        await known_program(repository, program_id)
        rows = await repository.pairs_at_risk(program_id)
    return [dict(row) for row in rows]


@router.post("/pairs/{pair_id}/rematch", status_code=status.HTTP_202_ACCEPTED)
async def rematch(
    pair_id: UUID, body: Confirmation, units: Units, matcher: MatcherDependency, principal: Caller
) -> Accepted:
    """Take up the rematch offered for a pair at risk: the pair is dissolved as `POST /pairs/{id}/dissolve`
    does (reason `at_risk`), and both people are matched anew, never with each other."""
    async with units.begin() as uow:
        pair = await _answered_by(uow.repository, pair_id, body.confirmed_by, principal)
        envelope = await matcher.confirm_rematch(uow, pair, body.confirmed_by)
    return Accepted(event_id=envelope.id)


@router.post("/pairs/{pair_id}/keep", status_code=status.HTTP_204_NO_CONTENT)
async def keep(pair_id: UUID, body: Confirmation, units: Units, matcher: MatcherDependency, principal: Caller) -> None:
    """Decline the rematch offer: the pair stays and loses its flag, until feedback flags it again."""
    async with units.begin() as uow:
        pair = await _answered_by(uow.repository, pair_id, body.confirmed_by, principal)
        await matcher.keep_pair(uow, pair, body.confirmed_by)


async def _answered_by(
    repository: MatchingRepository, pair_id: UUID, confirmed_by: Confirmer, principal: Principal
) -> PairStanding:
    """The pair, locked, if the caller is who `confirmed_by` names: the pair's participant or a lead of its program."""
    pair = await repository.pair_standing(pair_id)
    if pair is None:
        raise HTTPException(404, "no pair with this id")
    if confirmed_by == "program_lead":
        if not principal.leads(pair.program_id):
            raise forbidden("only a lead of the pair's program answers as program_lead")
    else:
        acting_as(principal, confirmed_by)
    return pair
