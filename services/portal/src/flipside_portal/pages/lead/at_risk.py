"""Pairs feedback flagged at risk, with why, and the lead's answer: rematch both, or keep the pair."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ...dependencies import Lead, PagesDependency, ServicesDependency
from ...i18n import N_
from .shared import notice, people_of

router = APIRouter()

NOTICES = {
    "rematch": N_("The pair is ended and both are being matched anew, never with each other."),
    "keep": N_("The pair stays together and is no longer flagged, until feedback flags it again."),
}


@router.get("/lead/programs/{program_id}/at-risk")
async def at_risk(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    flagged, people = await asyncio.gather(
        services.matching.get(f"/programs/{program_id}/pairs/at-risk", visitor.access_token),
        people_of(services, visitor, program_id),
    )
    return pages.render(
        request,
        "lead/at_risk.html",
        program_id=program_id,
        flagged=flagged,
        people=people,
        notice=notice(request, pages, NOTICES),
    )


@router.post("/lead/programs/{program_id}/at-risk/{pair_id}/{answer}")
async def answer(
    program_id: str,
    pair_id: str,
    answer: Literal["rematch", "keep"],
    visitor: Lead,
    services: ServicesDependency,
) -> Response:
    await services.matching.post(f"/pairs/{pair_id}/{answer}", visitor.access_token, {"confirmed_by": "program_lead"})
    return RedirectResponse(f"/lead/programs/{program_id}/at-risk?done={answer}", status_code=303)
