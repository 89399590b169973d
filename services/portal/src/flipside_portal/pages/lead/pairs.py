"""A program's pairs: all of them for its leads; locking, ending and pairing by hand for admins, with the rules a
pair by hand breaks shown before it is made anyway."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ...dependencies import Admin, Lead, PagesDependency, ServicesDependency
from ...i18n import N_
from ...repository import BrowserSession
from ...services import ServiceRefused, Services
from ...web import Pages
from .shared import notice, people_of

router = APIRouter()

NOTICES = {
    "run": N_("The match run has started. Its pairs appear here within a minute: reload the page to see them."),
    "paired": N_("The pair is made; both are told."),
    "locked": N_("The pair is locked: a rerun keeps it."),
    "unlocked": N_("The pair is unlocked: a rerun may replace it by a better one."),
    "dissolved": N_("The pair is ended; both are told."),
}


@router.get("/lead/programs/{program_id}/pairs")
async def pairs(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    return await _page(request, program_id, visitor, pages, services, notice=notice(request, pages, NOTICES))


@router.post("/lead/programs/{program_id}/pairs")
async def pair_by_hand(
    request: Request,
    program_id: str,
    visitor: Admin,
    pages: PagesDependency,
    services: ServicesDependency,
    mentor_id: Annotated[str, Form()] = "",
    mentee_id: Annotated[str, Form()] = "",
    override: Annotated[bool, Form()] = False,
) -> Response:
    chosen = {"mentor_id": mentor_id, "mentee_id": mentee_id}
    try:
        await services.matching.post(
            f"/programs/{program_id}/pairs", visitor.access_token, {**chosen, "override": override}
        )
    except ServiceRefused as refused:
        if refused.status in (401, 403):
            raise
        return await _page(
            request,
            program_id,
            visitor,
            pages,
            services,
            status_code=refused.status,
            chosen=chosen,
            errors=refused.fields,
            message=refused.message,
            warnings=refused.details,
        )
    return RedirectResponse(f"/lead/programs/{program_id}/pairs?done=paired", status_code=303)


@router.post("/lead/programs/{program_id}/pairs/{pair_id}/lock")
async def lock(
    program_id: str,
    pair_id: str,
    visitor: Admin,
    services: ServicesDependency,
    locked: Annotated[bool, Form()],
) -> Response:
    if locked:
        await services.matching.put(f"/pairs/{pair_id}/lock", visitor.access_token)
    else:
        await services.matching.delete(f"/pairs/{pair_id}/lock", visitor.access_token)
    done = "locked" if locked else "unlocked"
    return RedirectResponse(f"/lead/programs/{program_id}/pairs?done={done}", status_code=303)


@router.post("/lead/programs/{program_id}/pairs/{pair_id}/dissolve")
async def dissolve(
    program_id: str,
    pair_id: str,
    visitor: Admin,
    services: ServicesDependency,
    reason: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    rematch: Annotated[bool, Form()] = False,
) -> Response:
    body = {"reason": reason, "note": note.strip() or None, "rematch": rematch}
    await services.matching.post(f"/pairs/{pair_id}/dissolve", visitor.access_token, body)
    return RedirectResponse(f"/lead/programs/{program_id}/pairs?done=dissolved", status_code=303)


async def _page(
    request: Request,
    program_id: str,
    visitor: BrowserSession,
    pages: Pages,
    services: Services,
    status_code: int = 200,
    **context: Any,
) -> Response:
    found, people = await asyncio.gather(
        services.matching.get(f"/programs/{program_id}/pairs", visitor.access_token),
        people_of(services, visitor, program_id),
    )
    # Matching lists them oldest first; the page shows the pairs that count now, newest first, then the ended ones.
    active = [pair for pair in found if pair["status"] == "active"]
    ended = [pair for pair in found if pair["status"] != "active"]
    taking_part = [person for person in people.values() if person["status"] != "withdrawn"]
    return pages.render(
        request,
        "lead/pairs.html",
        status_code=status_code,
        program_id=program_id,
        active=list(reversed(active)),
        ended=list(reversed(ended)),
        people=people,
        mentors=[person for person in taking_part if person["role"] in ("mentor", "either")],
        mentees=[person for person in taking_part if person["role"] in ("mentee", "either")],
        **context,
    )
