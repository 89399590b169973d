"""A program's matching rules: shown to its leads, changed by admins (matching lets only them), with each weight's
meaning beside its slider and matching's refusals beside their fields."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ...dependencies import Admin, Lead, PagesDependency, ServicesDependency
from ...i18n import N_
from ...policy_form import WEIGHTS, field_errors, form_values, policy_body
from ...services import ServiceRefused
from .shared import notice

router = APIRouter()

NOTICES = {
    "saved": N_("The rules are saved. They apply from the next match."),
    "created": N_("The program is created. Tune what counts in its matching here; your sign-in names its leads."),
}


@router.get("/lead/programs/{program_id}/policy")
async def policy(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    program = await services.matching.get(f"/programs/{program_id}", visitor.access_token)
    return pages.render(
        request,
        "lead/policy.html",
        program_id=program_id,
        values=form_values(program["policy"]),
        weights=WEIGHTS,
        notice=notice(request, pages, NOTICES),
    )


@router.post("/lead/programs/{program_id}/policy")
async def change_policy(
    request: Request, program_id: str, visitor: Admin, pages: PagesDependency, services: ServicesDependency
) -> Response:
    typed = {name: str(value) for name, value in (await request.form()).items() if name != "csrf_token"}
    try:
        await services.matching.put(f"/programs/{program_id}", visitor.access_token, policy_body(typed))
    except ServiceRefused as refused:
        if refused.status in (401, 403, 404):
            raise
        return pages.render(
            request,
            "lead/policy.html",
            status_code=refused.status,
            program_id=program_id,
            values=typed,
            weights=WEIGHTS,
            errors=field_errors(refused.fields),
            message=refused.message,
        )
    return RedirectResponse(f"/lead/programs/{program_id}/policy?done=saved", status_code=303)
