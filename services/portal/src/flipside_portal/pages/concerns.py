"""The anonymous concern form: something about the program a person would rather not say with their name. Feedback
keeps it without its author, and the page says exactly who sees what (see feedback's docs, "Anonymous upward
channel")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..i18n import N_
from ..services import ServiceRefused
from ..visitors import participant_of
from ..web import Pages
from .profile import ENROLMENT_ARRIVING, own_profile

router = APIRouter()

THEMES = (
    ("psychological_safety", N_("Feeling safe to speak openly")),
    ("respect", N_("Respect")),
    ("time_and_workload", N_("Time and workload")),
    ("program_design", N_("How the program is run")),
    ("other", N_("Something else")),
)
NOTICES = {"sent": N_("Your concern was received, without your name.")}


@router.get("/concerns")
async def concern_form(
    request: Request,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    done: str | None = None,
) -> Response:
    if await own_profile(services, visitor) is None:
        return pages.render(request, "join/not_enrolled.html")
    notice = pages.translate(request, NOTICES[done]) if done in NOTICES else None
    return _page(request, pages, {"theme": "", "body": ""}, notice=notice)


@router.post("/concerns")
async def raise_concern(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    person = await own_profile(services, visitor)
    if person is None:
        return pages.render(request, "join/not_enrolled.html", status_code=404)
    form = await request.form()
    values = {"theme": str(form.get("theme", "")), "body": str(form.get("body", "")).strip()}
    errors: dict[str, str] = {}
    if values["theme"] not in dict(THEMES):
        errors["theme"] = pages.translate(request, "Choose what your concern is about.")
    if not values["body"]:
        errors["body"] = pages.translate(request, "Write what concerns you.")
    if errors:
        return _page(request, pages, values, errors, pages.translate(request, "Some fields need another look."), 422)
    body = {"participant_id": str(participant_of(visitor)), **values}
    try:
        await services.feedback.post(
            f"/programs/{person['profile']['program_id']}/concerns", visitor.access_token, body
        )
    except ServiceRefused as refused:
        if refused.status not in (404, 422):
            raise
        errors = {name: sentence for name, sentence in refused.fields.items() if name in values}
        message = pages.translate(request, ENROLMENT_ARRIVING) if refused.status == 404 else refused.message
        return _page(request, pages, values, errors, message, refused.status)
    return RedirectResponse("/concerns?done=sent", status_code=303)


def _page(
    request: Request,
    pages: Pages,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    return pages.render(
        request,
        "join/concerns.html",
        status_code=status_code,
        values=values,
        errors=errors or {},
        message=message,
        notice=notice,
        themes=[(theme, pages.translate(request, label)) for theme, label in THEMES],
    )
