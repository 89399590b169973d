"""The program's session rhythm: how often its pairs meet, for how long, and how soon the kickoff is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ...dependencies import Lead, PagesDependency, ServicesDependency
from ...i18n import N_
from ...services import ServiceRefused
from .shared import notice

router = APIRouter()

NOTICES = {"saved": N_("The rhythm is saved. It applies to pairs whose kickoff is booked from now on.")}
NUMBERS = ("session_minutes", "kickoff_within_business_days", "length_weeks")


@router.get("/lead/programs/{program_id}/schedule")
async def schedule(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    current = await services.scheduling.get(f"/programs/{program_id}/schedule", visitor.access_token)
    return pages.render(
        request,
        "lead/schedule.html",
        program_id=program_id,
        values={name: str(value) for name, value in current.items()},
        notice=notice(request, pages, NOTICES),
    )


@router.post("/lead/programs/{program_id}/schedule")
async def change_schedule(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    typed = {name: str(value).strip() for name, value in (await request.form()).items() if name != "csrf_token"}
    body: dict[str, object] = {"cadence": typed.get("cadence", "")}
    # Numbers as numbers when they are; anything else as typed, for scheduling to say what is wrong with it.
    body.update({name: int(typed[name]) if typed.get(name, "").isdigit() else typed.get(name) for name in NUMBERS})
    try:
        await services.scheduling.put(f"/programs/{program_id}/schedule", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status in (401, 403, 404):
            raise
        return pages.render(
            request,
            "lead/schedule.html",
            status_code=refused.status,
            program_id=program_id,
            values=typed,
            errors=refused.fields,
            message=refused.message,
        )
    return RedirectResponse(f"/lead/programs/{program_id}/schedule?done=saved", status_code=303)
