"""Days a participant is away: listed, added and removed. Scheduling keeps the whole list (it is replaced on each
change) and moves the sessions that fall on the new days."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..i18n import N_
from ..repository import BrowserSession
from ..services import ServiceRefused, Services
from ..visitors import participant_of

router = APIRouter()

NOTICES = {
    "added": N_("Your absence is saved."),
    "added_sessions_moved": N_(
        "Your absence is saved. Sessions on those days were moved or cancelled: see your sessions."
    ),
    "removed": N_("The absence is removed."),
}


async def _absences(services: Services, visitor: BrowserSession) -> list[dict[str, str]]:
    answer = await services.scheduling.get(f"/participants/{participant_of(visitor)}/absences", visitor.access_token)
    return sorted(answer["absences"], key=lambda absence: absence["first_day"])


async def _replace(services: Services, visitor: BrowserSession, absences: list[dict[str, str]]) -> dict[str, Any]:
    path = f"/participants/{participant_of(visitor)}/absences"
    return await services.scheduling.put(path, visitor.access_token, {"absences": absences})


@router.get("/absences")
async def absences_page(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency, done: str = ""
) -> Response:
    notice = pages.translate(request, NOTICES[done]) if done in NOTICES else None
    return _page(request, pages, await _absences(services, visitor), notice=notice)


@router.post("/absences")
async def add_absence(
    request: Request,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    first_day: Annotated[str, Form(max_length=16)] = "",
    last_day: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    values = {"first_day": first_day, "last_day": last_day}
    absences = await _absences(services, visitor)
    errors = _problems(request, pages, first_day, last_day)
    message = pages.translate(request, N_("The absence was not saved."))
    if not errors:
        try:
            answer = await _replace(services, visitor, [*absences, values])
        except ServiceRefused as refused:
            if refused.status not in (422, 429):
                raise
            errors, message = _placed(refused, values)
        else:
            done = "added_sessions_moved" if answer["sessions_changed"] else "added"
            return RedirectResponse(f"/absences?done={done}", status_code=303)
    return _page(request, pages, absences, status_code=422, errors=errors, values=values, message=message)


def _page(request: Request, pages: PagesDependency, absences: list[dict[str, str]], **context: Any) -> Response:
    """Days as dates, so they are shown as the calendar days they are, whatever the viewer's time zone."""
    days = [{name: date.fromisoformat(day) for name, day in absence.items()} for absence in absences]
    return pages.render(request, "sessions/absences.html", absences=days, **{"errors": {}, "values": {}, **context})


def _placed(refused: ServiceRefused, values: dict[str, str]) -> tuple[dict[str, str], str]:
    """Scheduling's sentences next to this form's fields (`absences.3.last_day` is `last_day`); a refusal of the
    whole list (two absences starting on one day) as the form's message."""
    errors: dict[str, str] = {}
    unplaced: list[str] = []
    for name, sentence in refused.fields.items():
        own = name.rsplit(".", 1)[-1]
        if own in values:
            errors[own] = sentence
        else:
            unplaced.append(sentence)
    return errors, " ".join(unplaced) or refused.message


def _problems(request: Request, pages: PagesDependency, first_day: str, last_day: str) -> dict[str, str]:
    """The form's own checks, as sentences in the person's language, before scheduling is asked."""
    problems: dict[str, str] = {}
    days: dict[str, date] = {}
    for name, value in (("first_day", first_day), ("last_day", last_day)):
        try:
            days[name] = date.fromisoformat(value)
        except ValueError:
            problems[name] = pages.translate(request, N_("Enter a day, such as 2026-03-14."))
    if not problems and days["last_day"] < days["first_day"]:
        problems["last_day"] = pages.translate(request, N_("The last day cannot be before the first day."))
    return problems


@router.post("/absences/remove")
async def remove_absence(
    visitor: Participant, services: ServicesDependency, first_day: Annotated[str, Form(max_length=16)] = ""
) -> Response:
    absences = await _absences(services, visitor)
    kept = [absence for absence in absences if absence["first_day"] != first_day]
    if len(kept) < len(absences):
        await _replace(services, visitor, kept)
    return RedirectResponse("/absences?done=removed", status_code=303)
