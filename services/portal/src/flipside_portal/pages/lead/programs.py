"""A lead's start: the programs they lead with their numbers, and one program's overview with links to the rest."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...dependencies import Lead, PagesDependency, ServicesDependency, Visitor
from ...i18n import N_
from ...visitors import NotAllowed

router = APIRouter()


@router.get("/lead")
async def programs_i_lead(
    request: Request, visitor: Visitor, pages: PagesDependency, services: ServicesDependency
) -> Response:
    if not visitor.is_lead:
        raise NotAllowed(N_("Only program leads and administrators open this page."))
    programs = [p for p in await services.matching.get("/programs", visitor.access_token) if p["leads"]]
    enrolments = await asyncio.gather(
        *(services.matching.get(f"/programs/{p['program_id']}/enrolment", visitor.access_token) for p in programs)
    )
    led = [{**program, "by_status": e["by_status"]} for program, e in zip(programs, enrolments, strict=True)]
    return pages.render(request, "lead/programs.html", programs=led)


@router.get("/lead/programs/{program_id}")
async def overview(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    token = visitor.access_token
    program, enrolment, pairs, at_risk = await asyncio.gather(
        services.matching.get(f"/programs/{program_id}", token),
        services.matching.get(f"/programs/{program_id}/enrolment", token),
        services.matching.get(f"/programs/{program_id}/pairs", token),
        services.matching.get(f"/programs/{program_id}/pairs/at-risk", token),
    )
    return pages.render(
        request,
        "lead/overview.html",
        program_id=program_id,
        program=program,
        enrolment=enrolment,
        active_pairs=sum(1 for pair in pairs if pair["status"] == "active"),
        at_risk=len(at_risk),
    )
