"""Match runs: a dry run shows the pairs a run would make, with why, and who would stay without a partner, with why;
then the lead runs it for real (matching does it through an event, so its pairs appear on the pairs page)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ...dependencies import Lead, PagesDependency, ServicesDependency
from .shared import people_of

router = APIRouter()


@router.get("/lead/programs/{program_id}/runs")
async def runs(
    request: Request,
    program_id: str,
    visitor: Lead,
    pages: PagesDependency,
    services: ServicesDependency,
    dry_run: bool = False,
    replace_unlocked: bool = False,
) -> Response:
    plan = None
    people: dict[str, dict[str, Any]] = {}
    if dry_run:
        # A dry run changes nothing, so it is a page to look at (and reload), not a form that does something.
        plan = await services.matching.call(
            "POST",
            f"/programs/{program_id}/runs",
            visitor.access_token,
            params={"dry_run": "true", "replace_unlocked": str(replace_unlocked).lower()},
        )
        people = await people_of(services, visitor, program_id)
    return pages.render(
        request,
        "lead/runs.html",
        program_id=program_id,
        plan=plan,
        people=people,
        replace_unlocked=replace_unlocked,
    )


@router.post("/lead/programs/{program_id}/runs")
async def run_for_real(
    program_id: str,
    visitor: Lead,
    services: ServicesDependency,
    replace_unlocked: Annotated[bool, Form()] = False,
) -> Response:
    await services.matching.call(
        "POST",
        f"/programs/{program_id}/runs",
        visitor.access_token,
        params={"replace_unlocked": str(replace_unlocked).lower()},
    )
    return RedirectResponse(f"/lead/programs/{program_id}/pairs?done=run", status_code=303)
