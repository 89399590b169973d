"""Pairs by hand, with warnings where a rule is broken; dissolution and rematching; locks before a rerun."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import require_admin
from flipside_shared.text import Text

from ..matcher import DissolutionReason
from .common import Accepted, pair_view
from .dependencies import MatcherDependency, Units
from .refusals import AnsweringRefusals

# Pairing by hand, ending pairs and locking them are an admin's; leads and pairs answer rematch offers (at_risk).
router = APIRouter(dependencies=[Depends(require_admin)], route_class=AnsweringRefusals)


class ManualPair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mentor_id: UUID
    mentee_id: UUID
    override: bool = Field(
        False, description="Create the pair even though a hard rule is broken; the warnings go into its reasons."
    )


class Dissolution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: DissolutionReason
    note: Text | None = None
    rematch: bool = True


@router.post("/programs/{program_id}/pairs", status_code=status.HTTP_201_CREATED)
async def pair_by_hand(program_id: str, body: ManualPair, units: Units, matcher: MatcherDependency) -> dict:
    """An admin pairs two people. A broken hard rule is refused with the reasons (409) unless `override`."""
    async with units.begin() as uow:
        made = await matcher.pair_by_hand(uow, program_id, body.mentor_id, body.mentee_id, body.override)
    return {
        "pair_id": str(made.pair_id),
        "event_id": str(made.envelope.id),
        "warnings": list(made.warnings),
        **pair_view(made.pair),
    }


@router.post("/pairs/{pair_id}/dissolve", status_code=status.HTTP_202_ACCEPTED)
async def dissolve(pair_id: UUID, body: Dissolution, units: Units, matcher: MatcherDependency) -> Accepted:
    """End a pair; unless `rematch` is false, both sides are matched again, never with each other."""
    async with units.begin() as uow:
        envelope = await matcher.request_dissolution(uow, pair_id, body.reason, body.note, body.rematch)
    return Accepted(event_id=envelope.id)


@router.put("/pairs/{pair_id}/lock", status_code=status.HTTP_204_NO_CONTENT)
async def lock(pair_id: UUID, units: Units, matcher: MatcherDependency) -> None:
    """Keep this pair whatever a rerun finds."""
    async with units.begin() as uow:
        await matcher.set_locked(uow, pair_id, True)


@router.delete("/pairs/{pair_id}/lock", status_code=status.HTTP_204_NO_CONTENT)
async def unlock(pair_id: UUID, units: Units, matcher: MatcherDependency) -> None:
    async with units.begin() as uow:
        await matcher.set_locked(uow, pair_id, False)
