"""Joining: the programs a person can enrol in, and the enrolment form (their profile, topics from the taxonomy)."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ..dependencies import PagesDependency, Participant, ServicesDependency, Visitor
from ..repository import BrowserSession
from ..services import ServiceRefused, Services
from ..visitors import participant_of
from ..web import TIME_ZONE_COOKIE, Pages, language_of
from .profile_form import Topics, form_context, new_profile_values, read_form, refused_form

router = APIRouter()

PROGRAM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Matching refuses these on enrolment with a sentence of its own; everything else it refuses is the page's failure.
FORM_REFUSALS = (409, 410, 422)


@router.get("/programs")
async def programs(
    request: Request, visitor: Visitor, pages: PagesDependency, services: ServicesDependency
) -> Response:
    found = await services.matching.get("/programs", visitor.access_token)
    return pages.render(request, "join/programs.html", programs=found)


@router.get("/programs/{program_id}/enrol")
async def enrolment_form(
    request: Request,
    program_id: str,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    done: str | None = None,
) -> Response:
    program = await _program(services, visitor, program_id)
    if done == "enrolled" or program["enrolled"]:
        return pages.render(request, "join/enrolled.html", program=program, just_enrolled=done == "enrolled")
    topics = Topics(await services.matching.get("/taxonomy", visitor.access_token))
    language = language_of(request)
    # The browser's zone, kept in a cookie by the page's script; the field's script fills it in otherwise.
    browser_zone = language.time_zone.key if request.cookies.get(TIME_ZONE_COOKIE) else ""
    values = new_profile_values(visitor.name, visitor.email, language.code, browser_zone)
    return _form(request, pages, topics, program, values)


@router.post("/programs/{program_id}/enrol")
async def enrol(
    request: Request, program_id: str, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    program = await _program(services, visitor, program_id)
    topics = Topics(await services.matching.get("/taxonomy", visitor.access_token))
    sent = read_form(await request.form(), topics, (), partial(pages.translate, request))
    if sent.errors:
        message = pages.translate(request, "Some fields need another look.")
        return _form(request, pages, topics, program, sent.values, sent.errors, message, 422)
    body = {
        **sent.profile,
        "participant_id": str(participant_of(visitor)),
        "locale": language_of(request).code,
    }
    try:
        await services.matching.post(f"/programs/{program_id}/enrolments", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status not in FORM_REFUSALS:
            raise
        errors, message = refused_form(refused, partial(pages.translate, request))
        return _form(request, pages, topics, program, sent.values, errors, message, refused.status)
    return RedirectResponse(f"/programs/{program_id}/enrol?done=enrolled", status_code=303)


async def _program(services: Services, visitor: BrowserSession, program_id: str) -> dict[str, Any]:
    """The program as the person sees it in the list (whether they are enrolled in it), or the page is not found."""
    if PROGRAM_ID.fullmatch(program_id):
        for program in await services.matching.get("/programs", visitor.access_token):
            if program["program_id"] == program_id:
                return dict(program)
    raise HTTPException(404)


def _form(
    request: Request,
    pages: Pages,
    topics: Topics,
    program: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    return pages.render(
        request,
        "join/enrol.html",
        status_code=status_code,
        program=program,
        values=values,
        errors=errors or {},
        message=message,
        **form_context(topics),
    )
