"""A program's details and life: what it is and when (a form for admins, who alone may change them; read-only for
its leads), its status, and the steps its status allows next (open, close enrolment, start, complete, cancel)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ...dependencies import Admin, Lead, PagesDependency, ServicesDependency
from ...i18n import N_
from ...services import ServiceRefused
from ...web import Pages, language_of
from .shared import notice

router = APIRouter()

# Matching's transitions, by the status they leave; cancelling is possible from any status before the end.
NEXT_STEPS = {
    "draft": ("open",),
    "open": ("close-enrolment",),
    "matching": ("start",),
    "running": ("complete",),
}
ENDING_STEPS = ("complete", "cancel")
STEPS = ("open", "close-enrolment", "start", "complete", "cancel")
NOTICES = {
    "saved": N_("The details are saved. Everyone who follows the program hears of them."),
    "open": N_("The program is open: people may enrol."),
    "close-enrolment": N_("Enrolment is closed: the cohort is matched."),
    "start": N_("The program has started: its pairs meet."),
    "complete": N_("The program is completed, and so are its pairs."),
    "cancel": N_("The program is cancelled, and its pairs are ended."),
}
TEXT_FIELDS = ("name", "description", "objectives", "leads", "sponsors", "meeting_kind", "meeting_url")
MOMENT_FIELDS = ("enrolment_opens_at", "enrolment_closes_at")
DAY_FIELDS = ("starts_on", "ends_on")


@router.get("/lead/programs/{program_id}/life")
async def life(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    if visitor.is_admin:  # an admin creates a program from its details here
        program = await _program_or_new(services, visitor.access_token, program_id)
    else:
        program = await services.matching.get(f"/programs/{program_id}", visitor.access_token)
    values = form_values(program.get("details"), language_of(request).time_zone)
    return _page(request, pages, program, values, visitor.is_admin, notice=notice(request, pages, NOTICES))


@router.post("/lead/programs/{program_id}/details")
async def change_details(
    request: Request, program_id: str, visitor: Admin, pages: PagesDependency, services: ServicesDependency
) -> Response:
    typed = {name: str(value).strip() for name, value in (await request.form()).items() if name != "csrf_token"}
    body, errors = details_body(typed, language_of(request).time_zone)
    refused: ServiceRefused | None = None
    if not errors:
        try:
            await services.matching.put(f"/programs/{program_id}/details", visitor.access_token, body)
        except ServiceRefused as refusal:
            if refusal.status in (401, 403):
                raise
            refused = refusal
    if errors or refused:
        program = await _program_or_new(services, visitor.access_token, program_id)
        message = refused.message if refused else pages.translate(request, "Some fields need another look.")
        field_errors = errors or form_errors(refused.fields if refused else {})
        status = refused.status if refused else 422
        return _page(request, pages, program, typed, True, field_errors, message, status)
    return RedirectResponse(f"/lead/programs/{program_id}/life?done=saved", status_code=303)


@router.post("/lead/programs/{program_id}/steps/{step}")
async def take_step(
    request: Request, program_id: str, step: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    if step not in STEPS:
        raise HTTPException(404)
    try:
        await services.matching.post(f"/programs/{program_id}/{step}", visitor.access_token)
    except ServiceRefused as refused:
        if refused.status != 409:
            raise
        program = await services.matching.get(f"/programs/{program_id}", visitor.access_token)
        values = form_values(program.get("details"), language_of(request).time_zone)
        return _page(request, pages, program, values, visitor.is_admin, message=refused.message, status_code=409)
    return RedirectResponse(f"/lead/programs/{program_id}/life?done={step}", status_code=303)


def next_steps(status: str) -> list[str]:
    """The steps matching allows from this status, in the order of a program's life."""
    if status in ("completed", "cancelled"):
        return []
    return [*NEXT_STEPS.get(status, ()), "cancel"]


def form_values(details: dict[str, Any] | None, zone: Any) -> dict[str, str]:
    """The details as the form shows them: lists one per line, moments in the viewer's time zone."""
    if not details:
        return {}
    link = details.get("meeting_link") or {}
    values = {
        "name": details.get("name", ""),
        "description": details.get("description", ""),
        "objectives": "\n".join(details.get("objectives", [])),
        "leads": "\n".join(_contact_line(contact) for contact in details.get("leads", [])),
        "sponsors": "\n".join(_contact_line(contact) for contact in details.get("sponsors", [])),
        "meeting_kind": link.get("kind", ""),
        "meeting_url": link.get("url_template", ""),
    }
    for name in MOMENT_FIELDS:
        moment = details.get(name)
        values[name] = datetime.fromisoformat(moment).astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment else ""
    for name in DAY_FIELDS:
        values[name] = details.get(name) or ""
    return values


def details_body(typed: dict[str, str], zone: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Matching's `ProgramDetails` from the form; what cannot be read is an error by field (matching checks the rest)."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {
        "name": typed.get("name", ""),
        "description": typed.get("description", ""),
        "objectives": _lines(typed.get("objectives", "")),
    }
    for name in MOMENT_FIELDS:
        body[name] = None
        if text := typed.get(name, ""):
            try:
                body[name] = datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC).isoformat()
            except ValueError:
                errors[name] = N_("Give a date and time.")
    for name in DAY_FIELDS:
        body[name] = None
        if text := typed.get(name, ""):
            try:
                body[name] = date.fromisoformat(text).isoformat()
            except ValueError:
                errors[name] = N_("Give a date.")
    for name in ("leads", "sponsors"):
        contacts = [_contact(line) for line in _lines(typed.get(name, ""))]
        if any(contact is None for contact in contacts):
            errors[name] = N_(
                "Write one person a line: their sign-in subject; name; e-mail (and a language, if not en)."
            )
        body[name] = [contact for contact in contacts if contact is not None]
    kind, url = typed.get("meeting_kind", ""), typed.get("meeting_url", "")
    if url and not kind:
        errors["meeting_kind"] = N_("Choose what kind of meeting the link opens.")
    body["meeting_link"] = {"kind": kind, "url_template": url} if kind or url else None
    return body, errors


def form_errors(fields: dict[str, str]) -> dict[str, str]:
    """Matching's field errors (`leads.0.email`, `meeting_link.url_template`) by the form's field."""
    named = {"meeting_link": "meeting_url"}
    errors: dict[str, str] = {}
    for location, sentence in fields.items():
        head = location.split(".")[0]
        errors.setdefault(named.get(head, head), sentence)
    return errors


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _contact_line(contact: dict[str, Any]) -> str:
    parts = [contact["subject"], contact["display_name"], contact["email"]]
    return "; ".join([*parts, contact["locale"]] if contact.get("locale", "en") != "en" else parts)


def _contact(line: str) -> dict[str, str] | None:
    parts = [part.strip() for part in line.split(";")]
    if len(parts) not in (3, 4) or not all(parts):
        return None
    contact = {"subject": parts[0], "display_name": parts[1], "email": parts[2]}
    return {**contact, "locale": parts[3]} if len(parts) == 4 else contact


async def _program_or_new(services: Any, token: str, program_id: str) -> dict[str, Any]:
    """The program as matching has it; one the form was about to create has no status yet."""
    try:
        found: dict[str, Any] = await services.matching.get(f"/programs/{program_id}", token)
    except ServiceRefused as refused:
        if refused.status != 404:
            raise
        return {"program_id": program_id, "status": None, "details": None}
    return found


def _page(
    request: Request,
    pages: Pages,
    program: dict[str, Any],
    values: dict[str, str],
    editable: bool,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    return pages.render(
        request,
        "lead/life.html",
        status_code=status_code,
        program_id=program["program_id"],
        program=program,
        steps=next_steps(program["status"]) if program.get("status") else [],
        ending_steps=ENDING_STEPS,
        values=values,
        editable=editable,
        errors={name: pages.translate(request, error) for name, error in (errors or {}).items()},
        message=message,
        notice=notice,
    )
