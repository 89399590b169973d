"""Pairs by hand, with warnings where a rule is broken; dissolution and rematching; locks before a rerun."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import require_admin
from flipside_shared.dependencies import component
from flipside_shared.envelope import Envelope
from flipside_shared.events import PairDissolved
from flipside_shared.text import Text
from flipside_shared.unit_of_work import UnitOfWork

from ..domain.engine import score_pair
from ..domain.model import ScoredPair
from ..domain.reporting import chains
from ..domain.rules import CAPACITY_RULES, violations
from ..handlers import pair_created
from ..repository import MatchingRepository
from .common import Accepted, pair_view, program_or_404

# Pairing by hand, ending pairs and locking them are an admin's; leads and pairs answer rematch offers (at_risk).
router = APIRouter(dependencies=[Depends(require_admin)])


class ManualPair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mentor_id: UUID
    mentee_id: UUID
    override: bool = Field(False, description="Create the pair even though a hard rule is broken; the warnings go into its reasons.")


class Dissolution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["mismatch", "at_risk", "left_company", "withdrawn", "admin", "other"]
    note: Text | None = None
    rematch: bool = True


@router.post("/programs/{program_id}/pairs", status_code=status.HTTP_201_CREATED)
async def pair_by_hand(program_id: str, body: ManualPair, request: Request) -> dict:
    """An admin pairs two people. A broken hard rule is refused with the reasons (409) unless `override`."""
    runtime, engine = request.app.state.runtime, component(Engine)(request)
    async with runtime.units.begin() as uow:
        repository = MatchingRepository(uow.conn)
        found = await program_or_404(repository, program_id)
        await repository.lock_program(program_id)
        mentor, mentee = await repository.participant(body.mentor_id), await repository.participant(body.mentee_id)
        if mentor is None or mentee is None:
            raise HTTPException(404, "mentor or mentee is not enrolled")
        if program_id not in (mentor.profile.program_id, mentee.profile.program_id):
            raise HTTPException(404, f"neither is enrolled in program {program_id!r}")
        if await repository.active_between(mentor.participant_id, mentee.participant_id):
            raise HTTPException(409, "these two are already an active pair")
        above = chains(await repository.managers_above([mentor.participant_id, mentee.participant_id]))
        broken = violations(mentor, mentee, found.policy, above, engine.first_week())
        if broken and not body.override:
            raise HTTPException(409, {"message": "a hard rule is broken; send override=true to pair them anyway", "violations": broken})
        if full := [v for v in broken if v in CAPACITY_RULES]:
            raise HTTPException(409, {"message": "capacity cannot be overridden: end one of their pairs first", "violations": full})
        scored = score_pair(mentor, mentee, found.policy, engine.taxonomy, engine.first_week())
        pair = ScoredPair(mentor, mentee, scored.breakdown, (
            "paired by hand by an admin", *(f"warning: {v}" for v in broken), *scored.reasons,
        ))
        pair_id = uuid4()
        await repository.add_pair(pair_id, pair, "manual")
        envelope = uow.emit(pair_created(pair_id, pair))
    return {"pair_id": str(pair_id), "event_id": str(envelope.id), "warnings": broken, **pair_view(pair)}


@router.post("/pairs/{pair_id}/dissolve", status_code=status.HTTP_202_ACCEPTED)
async def dissolve(pair_id: UUID, body: Dissolution, request: Request) -> Accepted:
    """End a pair; unless `rematch` is false, both sides are matched again, never with each other."""
    async with request.app.state.runtime.units.begin() as uow:
        pair = await MatchingRepository(uow.conn).active_pair(pair_id)
        if pair is None:
            raise HTTPException(404, "no active pair with this id")
        envelope = emit_dissolution(uow, pair_id, pair.program_id, body)
    return Accepted(event_id=envelope.id)


def emit_dissolution(uow: UnitOfWork, pair_id: UUID, program_id: str, dissolution: Dissolution) -> Envelope:
    """How the HTTP edge ends a pair: `PairDissolved` through the outbox, handled like one from anyone else
    (the pair ends and, with `rematch`, both sides are matched again)."""
    return uow.emit(PairDissolved(
        pair_id=pair_id, program_id=program_id, reason=dissolution.reason, note=dissolution.note,
        rematch=dissolution.rematch, dissolved_at=datetime.now(UTC),
    ))


@router.put("/pairs/{pair_id}/lock", status_code=status.HTTP_204_NO_CONTENT)
async def lock(pair_id: UUID, request: Request) -> None:
    """Keep this pair whatever a rerun finds."""
    await _set_locked(request, pair_id, True)


@router.delete("/pairs/{pair_id}/lock", status_code=status.HTTP_204_NO_CONTENT)
async def unlock(pair_id: UUID, request: Request) -> None:
    await _set_locked(request, pair_id, False)


async def _set_locked(request: Request, pair_id: UUID, locked: bool) -> None:
    async with request.app.state.runtime.pool.acquire() as conn:
        if not await MatchingRepository(conn).set_locked(pair_id, locked):
            raise HTTPException(404, "no active pair with this id")
