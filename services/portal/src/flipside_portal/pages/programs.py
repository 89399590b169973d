"""Joining: the programs a person can enrol in, and the enrolment form (their profile, topics from the taxonomy)."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ..dependencies import PagesDependency, Participant, ServicesDependency, Visitor
from ..i18n import N_
from ..repository import BrowserSession
from ..services import ServiceRefused, Services
from ..visitors import participant_of
from ..web import TIME_ZONE_COOKIE, Pages, language_of
from .profile_form import Topics, form_context, new_profile_values, read_form, refused_form

router = APIRouter()

PROGRAM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Matching refuses these on enrolment with a sentence of its own; everything else it refuses is the page's failure.
FORM_REFUSALS = (409, 410, 422)
ENROLLED_NOTICES = {
    "enrolled": N_("Thank you: your enrolment has arrived."),
    "accepted": N_("Thank you: you accepted the current agreement."),
}


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
    agreement = await program_agreement(services, visitor, program_id)
    if done in ENROLLED_NOTICES or program["enrolled"]:
        return _enrolled(request, pages, program, agreement, done)
    topics = Topics(await services.matching.get("/taxonomy", visitor.access_token))
    language = language_of(request)
    # The browser's zone, kept in a cookie by the page's script; the field's script fills it in otherwise.
    browser_zone = language.time_zone.key if request.cookies.get(TIME_ZONE_COOKIE) else ""
    values = new_profile_values(visitor.name, visitor.email, language.code, browser_zone)
    return _form(request, pages, topics, program, agreement, values)


@router.post("/programs/{program_id}/enrol")
async def enrol(
    request: Request, program_id: str, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    program = await _program(services, visitor, program_id)
    agreement = await program_agreement(services, visitor, program_id)
    topics = Topics(await services.matching.get("/taxonomy", visitor.access_token))
    form = await request.form()
    sent = read_form(form, topics, (), partial(pages.translate, request))
    accepted = _accepted_version(form, agreement)
    if agreement is not None:
        sent.values["agreement_accepted"] = accepted is not None
        if accepted is None:
            sent.errors["accept_agreement"] = pages.translate(
                request, N_("Please read the ground rules and confidentiality agreement and accept them to enrol.")
            )
    if sent.errors:
        message = pages.translate(request, "Some fields need another look.")
        return _form(request, pages, topics, program, agreement, sent.values, sent.errors, message, 422)
    body = {
        **sent.profile,
        "participant_id": str(participant_of(visitor)),
        "locale": language_of(request).code,
        "agreement_version": accepted,
    }
    try:
        await services.matching.post(f"/programs/{program_id}/enrolments", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status not in FORM_REFUSALS:
            raise
        errors, message = refused_form(refused, partial(pages.translate, request))
        return _form(request, pages, topics, program, agreement, sent.values, errors, message, refused.status)
    return RedirectResponse(f"/programs/{program_id}/enrol?done=enrolled", status_code=303)


@router.post("/programs/{program_id}/agreement")
async def accept_agreement(
    request: Request, program_id: str, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    """Someone enrolled before the agreement's current version accepts it."""
    program = await _program(services, visitor, program_id)
    agreement = await program_agreement(services, visitor, program_id)
    accepted = _accepted_version(await request.form(), agreement)
    if agreement is None or accepted is None:
        error = pages.translate(request, N_("Tick the box to accept this version of the agreement."))
        return _enrolled(request, pages, program, agreement, error=error, status_code=422)
    body = {"participant_id": str(participant_of(visitor)), "version": accepted}
    try:
        await services.matching.post(f"/programs/{program_id}/agreement/acceptances", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status not in FORM_REFUSALS:
            raise
        return _enrolled(request, pages, program, agreement, error=refused.message, status_code=refused.status)
    return RedirectResponse(f"/programs/{program_id}/enrol?done=accepted", status_code=303)


async def program_agreement(services: Services, visitor: BrowserSession, program_id: str) -> dict[str, Any] | None:
    """The program's current ground rules and confidentiality agreement, or None for a program without one."""
    try:
        found: dict[str, Any] = await services.matching.get(f"/programs/{program_id}/agreement", visitor.access_token)
    except ServiceRefused as refused:
        if refused.status == 404:
            return None
        raise
    return found


def _accepted_version(form: FormData, agreement: dict[str, Any] | None) -> int | None:
    """The version the person ticked to accept, when it is the one they were shown and still the current one (a
    version published while they read is shown to them again rather than accepted unseen)."""
    if agreement is None or form.get("accept_agreement") != "yes":
        return None
    shown = str(form.get("agreement_version", ""))
    return agreement["version"] if shown == str(agreement["version"]) else None


def _enrolled(
    request: Request,
    pages: Pages,
    program: dict[str, Any],
    agreement: dict[str, Any] | None,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return pages.render(
        request,
        "join/enrolled.html",
        status_code=status_code,
        program=program,
        agreement=agreement,
        notice=pages.translate(request, ENROLLED_NOTICES[done]) if done in ENROLLED_NOTICES else None,
        errors={"accept_agreement": error} if error else {},
        message=error,
    )


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
    agreement: dict[str, Any] | None,
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
        agreement=agreement,
        values=values,
        errors=errors or {},
        message=message,
        **form_context(topics),
    )
