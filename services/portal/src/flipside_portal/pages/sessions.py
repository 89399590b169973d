"""A participant's sessions: the list in their own time zone, their calendar feed, moving a session to a time that
suits both, and cancelling one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..dependencies import ClockDependency, PagesDependency, Participant, ServicesDependency
from ..i18n import N_
from ..repository import BrowserSession
from ..scheduling_refusals import said_to
from ..services import ServiceRefused, Services
from ..visitors import participant_of
from ..web import language_of

router = APIRouter()

SLOTS_OFFERED = 6
NOTICES = {
    "rescheduled": N_("The session has moved. Your partner is told, and calendars that subscribe follow."),
    "cancelled": N_("The session is cancelled. Your partner is told; the next one stays as planned."),
}
KIND_NAMES = {"kickoff": N_("Kickoff"), "check_in": N_("Regular session")}
STATUS_NAMES = {"scheduled": N_("Scheduled"), "cancelled": N_("Cancelled")}


@router.get("/sessions")
async def sessions_page(
    request: Request,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    clock: ClockDependency,
    done: str = "",
) -> Response:
    return await _sessions_page(request, visitor, pages, services, clock.now(), notice_key=done)


@router.post("/sessions/calendar-feed")
async def new_calendar_feed(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency, clock: ClockDependency
) -> Response:
    """Shown in the answer itself, not after a redirect: scheduling hands out the address once and the portal keeps
    no copy of it."""
    me = participant_of(visitor)
    made = await services.scheduling.post(f"/participants/{me}/calendar-feed/rotate", visitor.access_token, {})
    return await _sessions_page(request, visitor, pages, services, clock.now(), feed_url=made["calendar_feed_url"])


async def _sessions_page(
    request: Request,
    visitor: BrowserSession,
    pages: PagesDependency,
    services: Services,
    now: datetime,
    notice_key: str = "",
    feed_url: str | None = None,
) -> Response:
    me = participant_of(visitor)
    sessions, partners = await asyncio.gather(
        services.scheduling.get(f"/participants/{me}/sessions", visitor.access_token), _partners(services, visitor)
    )
    listed = [_listed(request, pages, session, partners) for session in sessions]
    return pages.render(
        request,
        "sessions/list.html",
        upcoming=[s for s in listed if s["ends_at"] >= now],
        earlier=[s for s in listed if s["ends_at"] < now][::-1],
        feed_url=feed_url,
        subscribe_url=feed_url and "webcal://" + feed_url.split("://", 1)[-1],
        notice=pages.translate(request, NOTICES[notice_key]) if notice_key in NOTICES else None,
    )


async def _partners(services: Services, visitor: BrowserSession) -> dict[str, str]:
    """Pair id -> the partner's name, for every pair the person is or was in."""
    pairs = await services.matching.get(f"/participants/{participant_of(visitor)}/pairs", visitor.access_token)
    return {pair["pair_id"]: pair["partner"]["name"] for pair in pairs}


def _listed(request: Request, pages: PagesDependency, session: dict[str, Any], partners: dict[str, str]) -> dict:
    return {
        **session,
        "starts_at": datetime.fromisoformat(session["starts_at"]),
        "ends_at": datetime.fromisoformat(session["ends_at"]),
        "partner": partners.get(session["pair_id"]),
        "kind_name": pages.translate(request, KIND_NAMES.get(session["kind"], session["kind"])),
        "status_name": pages.translate(request, STATUS_NAMES.get(session["status"], session["status"])),
    }


async def _session(services: Services, visitor: BrowserSession, session_id: UUID) -> dict[str, Any]:
    """One of the person's own sessions; the 404 page for any other (the route's rule would refuse it anyway)."""
    me = participant_of(visitor)
    for session in await services.scheduling.get(f"/participants/{me}/sessions", visitor.access_token):
        if session["session_id"] == str(session_id):
            return session
    raise ServiceRefused(404, "")


@router.get("/sessions/{session_id}/reschedule")
async def reschedule_page(
    request: Request, session_id: UUID, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    return await _reschedule_page(request, session_id, visitor, pages, services)


async def _reschedule_page(
    request: Request,
    session_id: UUID,
    visitor: BrowserSession,
    pages: PagesDependency,
    services: Services,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    refusal: tuple[str, str] | None = None,
) -> Response:
    """`refusal`: the field and scheduling's reason for refusing what was sent there, said to the person."""
    session = await _session(services, visitor, session_id)
    partners = await _partners(services, visitor)
    my_role = "mentor" if session["mentor_id"] == str(participant_of(visitor)) else "mentee"

    def translate(message: str, **variables: Any) -> str:
        return pages.translate(request, message, **variables)

    errors = dict(errors or {})
    if refusal is not None:
        errors[refusal[0]] = said_to(refusal[1], my_role, translate)
    slots: list[dict[str, Any]] = []
    cannot_move = None
    if session["status"] == "scheduled":
        try:
            slots = await services.scheduling.get(
                f"/sessions/{session_id}/slots", visitor.access_token, params={"count": SLOTS_OFFERED}
            )
        except ServiceRefused as refused:
            if refused.status != 409:
                raise
            cannot_move = said_to(refused.message, my_role, translate)  # begun or past: scheduling says why
    return pages.render(
        request,
        "sessions/reschedule.html",
        status_code=status_code,
        session=_listed(request, pages, session, partners),
        slots=slots,
        cannot_move=cannot_move,
        errors=errors,
        values=values or {},
    )


@router.post("/sessions/{session_id}/reschedule")
async def reschedule(
    request: Request,
    session_id: UUID,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    slot: Annotated[str, Form(max_length=64)] = "",
    own_time: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """A slot offered (an instant in UTC), or a time of the person's own (`datetime-local`, in their time zone)."""
    field = "own_time" if own_time else "slot"
    values = {"slot": slot, "own_time": own_time}
    try:
        starts_at = _chosen_start(request, slot, own_time)
    except ValueError as problem:
        errors = {field: pages.translate(request, str(problem))}
        return await _reschedule_page(request, session_id, visitor, pages, services, 422, errors, values)
    try:
        await services.scheduling.post(
            f"/sessions/{session_id}/reschedule", visitor.access_token, {"starts_at": starts_at.isoformat()}
        )
    except ServiceRefused as refused:
        if refused.status not in (409, 422, 429):
            raise
        refusal = (field, refused.message)
        return await _reschedule_page(
            request, session_id, visitor, pages, services, refused.status, values=values, refusal=refusal
        )
    return RedirectResponse("/sessions?done=rescheduled", status_code=303)


def _chosen_start(request: Request, slot: str, own_time: str) -> datetime:
    if own_time:
        try:
            local = datetime.fromisoformat(own_time)
        except ValueError:
            raise ValueError(N_("Enter a date and a time, such as 2026-03-14 15:30.")) from None
        if local.tzinfo is not None:
            raise ValueError(N_("Enter a date and a time, such as 2026-03-14 15:30."))
        return local.replace(tzinfo=language_of(request).time_zone).astimezone(UTC)
    if not slot:
        raise ValueError(N_("Pick one of the times offered, or enter a time of your own."))
    try:
        chosen = datetime.fromisoformat(slot)
    except ValueError:
        raise ValueError(N_("Pick one of the times offered, or enter a time of your own.")) from None
    if chosen.tzinfo is None:
        raise ValueError(N_("Pick one of the times offered, or enter a time of your own."))
    return chosen


@router.post("/sessions/{session_id}/cancel")
async def cancel(
    request: Request,
    session_id: UUID,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    if confirmed != "yes":
        errors = {"confirmed": pages.translate(request, N_("Tick the box to confirm that the session is off."))}
        return await _reschedule_page(request, session_id, visitor, pages, services, 422, errors)
    try:
        await services.scheduling.post(f"/sessions/{session_id}/cancel", visitor.access_token, {})
    except ServiceRefused as refused:
        if refused.status not in (409, 429):
            raise
        refusal = ("confirmed", refused.message)
        return await _reschedule_page(request, session_id, visitor, pages, services, refused.status, refusal=refusal)
    return RedirectResponse("/sessions?done=cancelled", status_code=303)
