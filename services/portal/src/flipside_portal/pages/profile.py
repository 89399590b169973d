"""My profile: what matching knows of me, the part that is mine to change, and leaving the program."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..i18n import N_
from ..repository import BrowserSession
from ..services import ServiceRefused, Services
from ..visitors import participant_of
from ..web import Pages
from .profile_form import Topics, form_context, form_values, read_form, refused_form

router = APIRouter()

NOTICES = {
    "saved": N_("Your changes are saved. They show here within a few seconds."),
    "withdrawn": N_("You have left the program. Nothing more is planned for you."),
}
# A service that has not yet heard of a new enrolment (it travels to each service through Kafka) says 404.
ENROLMENT_ARRIVING = N_(
    "Flipside is still taking in your enrolment: send this again in a minute. Nothing you wrote is lost."
)
# What the person changes themself; the rest of the profile (HR's fields, country, locale) is sent back as it is.
OWN_FIELDS = (
    "display_name",
    "email",
    "time_zone",
    "working_hours",
    "languages",
    "interests",
    "skills",
    "goals",
    "communication",
    "capacity",
    "hours_per_month",
)


async def own_profile(services: Services, visitor: BrowserSession) -> dict[str, Any] | None:
    """The person's profile as matching answers it; None while they are not enrolled (or have left)."""
    try:
        found: dict[str, Any] = await services.matching.get(
            f"/participants/{participant_of(visitor)}", visitor.access_token
        )
    except ServiceRefused as refused:
        if refused.status == 404:
            return None
        raise
    return found


@router.get("/profile")
async def profile_page(
    request: Request,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    done: str | None = None,
) -> Response:
    notice = pages.translate(request, NOTICES[done]) if done in NOTICES else None
    person = await own_profile(services, visitor)
    if person is None:
        return pages.render(request, "join/not_enrolled.html", notice=notice)
    topics = Topics(await services.matching.get("/taxonomy", visitor.access_token))
    return await _page(request, pages, services, visitor, person, topics, form_values(person["profile"]), notice=notice)


@router.post("/profile")
async def save_profile(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    person = await own_profile(services, visitor)
    if person is None:
        return pages.render(request, "join/not_enrolled.html", status_code=404)
    current = person["profile"]
    topics = Topics(await services.matching.get("/taxonomy", visitor.access_token))
    kept = [topic["name"] for topic in (*current.get("skills", []), *current.get("goals", []))]
    sent = read_form(await request.form(), topics, kept, partial(pages.translate, request))
    if sent.errors:
        message = pages.translate(request, "Some fields need another look.")
        return await _page(request, pages, services, visitor, person, topics, sent.values, sent.errors, message, 422)
    changed = {**current, **{name: sent.profile[name] for name in OWN_FIELDS if name in sent.profile}}
    try:
        await services.matching.put(f"/participants/{participant_of(visitor)}", visitor.access_token, changed)
    except ServiceRefused as refused:
        if refused.status not in (403, 409, 422):
            raise
        errors, message = refused_form(refused, partial(pages.translate, request))
        return await _page(
            request, pages, services, visitor, person, topics, sent.values, errors, message, refused.status
        )
    return RedirectResponse("/profile?done=saved", status_code=303)


@router.get("/profile/withdraw")
async def withdrawal_page(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    person = await own_profile(services, visitor)
    if person is None:
        return pages.render(request, "join/not_enrolled.html", status_code=404)
    return pages.render(request, "join/withdraw.html", program_id=person["profile"]["program_id"])


@router.post("/profile/withdraw")
async def withdraw(request: Request, visitor: Participant, services: ServicesDependency) -> Response:
    await services.matching.post(f"/participants/{participant_of(visitor)}/withdraw", visitor.access_token)
    return RedirectResponse("/profile?done=withdrawn", status_code=303)


async def _page(
    request: Request,
    pages: Pages,
    services: Services,
    visitor: BrowserSession,
    person: dict[str, Any],
    topics: Topics,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    profile = person["profile"]
    program = await services.matching.get(f"/programs/{profile['program_id']}", visitor.access_token)
    grades = program["policy"]["grades"]
    grade = profile["grade"]
    return pages.render(
        request,
        "join/profile.html",
        status_code=status_code,
        person=person,
        profile=profile,
        grade_name=grades[grade] if 0 <= grade < len(grades) else str(grade),
        values=values,
        errors=errors or {},
        message=message,
        notice=notice,
        **form_context(topics),
    )
