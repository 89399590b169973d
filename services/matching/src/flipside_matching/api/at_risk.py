"""Pairs at risk: the program lead's list, and the answer to a rematch offer (rematch or keep).

`confirmed_by` names who answers; the caller's token must be them (the participant, or a lead of the pair's
program), and the rules check that they have a say over the pair.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import acting_as, authenticated, forbidden, require_lead
from flipside_shared.auth.tokens import Principal

from ..domain.at_risk import Confirmer, PairStanding, refusal, role_of
from ..repository import MatchingRepository
from .common import Accepted, program_or_404
from .pairing import Dissolution, emit_dissolution

router = APIRouter()


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirmed_by: Confirmer = Field(
        description='The pair\'s mentor or mentee (participant id), or "program_lead"; the caller\'s token must be them.',
    )


@router.get("/programs/{program_id}/pairs/at-risk", dependencies=[Depends(require_lead())])
async def pairs_at_risk(program_id: str, request: Request) -> list[dict]:
    """Active pairs feedback flagged at risk, longest-flagged first: the score and reasons of the latest
    flag, since when, and who confirmed a rematch not yet carried out."""
    async with request.app.state.runtime.pool.acquire() as conn:
        repository = MatchingRepository(conn)
        await program_or_404(repository, program_id)
        rows = await repository.pairs_at_risk(program_id)
    return [dict(row) for row in rows]


@router.post("/pairs/{pair_id}/rematch", status_code=status.HTTP_202_ACCEPTED)
async def rematch(pair_id: UUID, body: Confirmation, request: Request, principal: Principal = Depends(authenticated)) -> Accepted:
    """Take up the rematch offered for a pair at risk: the pair is dissolved as `POST /pairs/{id}/dissolve`
    does (reason `at_risk`), and both people are matched anew, never with each other."""
    async with request.app.state.runtime.units.begin() as uow:
        repository = MatchingRepository(uow.conn)
        pair = await _open_offer(repository, pair_id, body.confirmed_by, principal)
        await repository.confirm_rematch(pair_id, str(body.confirmed_by))
        dissolution = Dissolution(reason="at_risk", note=f"rematch confirmed by the {role_of(pair, body.confirmed_by)}", rematch=True)
        envelope = emit_dissolution(uow, pair_id, pair.program_id, dissolution)
    return Accepted(event_id=envelope.id)


@router.post("/pairs/{pair_id}/keep", status_code=status.HTTP_204_NO_CONTENT)
async def keep(pair_id: UUID, body: Confirmation, request: Request, principal: Principal = Depends(authenticated)) -> None:
    """Decline the rematch offer: the pair stays and loses its flag, until feedback flags it again."""
    async with request.app.state.runtime.pool.acquire() as conn, conn.transaction():
        repository = MatchingRepository(conn)
        await _open_offer(repository, pair_id, body.confirmed_by, principal)
        await repository.clear_at_risk(pair_id)


async def _open_offer(repository: MatchingRepository, pair_id: UUID, confirmed_by: Confirmer, principal: Principal) -> PairStanding:
    pair = await repository.pair_standing(pair_id)
    if pair is None:
        raise HTTPException(404, "no pair with this id")
    if confirmed_by == "program_lead":
        if not principal.leads(pair.program_id):
            raise forbidden("only a lead of the pair's program answers as program_lead")
    else:
        acting_as(principal, confirmed_by)
    if refused := refusal(pair, confirmed_by):
        raise HTTPException(status.HTTP_403_FORBIDDEN if refused.not_theirs else status.HTTP_409_CONFLICT, refused.reason)
    return pair
