"""A person's own pairs and proposals, newest first: whom they are paired with, why, and what waits for them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends

from flipside_shared.auth.rules import require_self

from ..domain.own_pairs import OwnPair
from .dependencies import Units
from .refusals import AnsweringRefusals

router = APIRouter(route_class=AnsweringRefusals)


@router.get("/participants/{participant_id}/pairs", dependencies=[Depends(require_self())])
async def own_pairs(participant_id: UUID, units: Units) -> list[dict]:
    """Pairs (`active`, `dissolved`, `replaced`) and proposals not taken up (`proposed`, `declined`, `expired`,
    `no_longer_possible`); `awaiting_me` marks a proposal they were asked to accept or decline."""
    async with units.reading() as repository:
        found = await repository.own_pairs(participant_id)
    return [_view(pair) for pair in found]


def _view(pair: OwnPair) -> dict:
    return {
        "pair_id": str(pair.pair_id),
        "program_id": pair.program_id,
        "status": pair.status,
        "my_role": pair.my_role,
        "partner": {
            "participant_id": str(pair.partner_id),
            "name": pair.partner_name,
            "role": pair.partner_role,
            "department": pair.partner_department,
            "time_zone": pair.partner_time_zone,
        },
        "reasons": pair.reasons,
        "origin": pair.origin,
        "proposed_by": str(pair.proposed_by) if pair.proposed_by else None,
        "awaiting_me": pair.awaiting_viewer,
        "expires_at": pair.expires_at.isoformat() if pair.expires_at else None,
        "at_risk": pair.at_risk,
        "created_at": pair.created_at.isoformat(),
    }
