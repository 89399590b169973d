"""What a lead writes for their program's people: the ground rules and confidentiality agreement people accept when
enrolling (each save a new version), and the orientation guide of each role, per language."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ...dependencies import Lead, PagesDependency, ServicesDependency
from ...i18n import LANGUAGES, N_
from ...services import ServiceRefused
from ...web import Pages
from .shared import notice

router = APIRouter()

ROLES = ("mentor", "mentee")
EMPTY_ROWS = 1
NOTICES = {
    "published": N_("The agreement is published as a new version. Everyone enrolling from now on accepts it."),
    "saved": N_("The guide is saved. People of this role see it in this language from now on."),
}


@router.get("/lead/programs/{program_id}/agreement")
async def agreement(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    current = await _current_agreement(services, visitor.access_token, program_id)
    values = {name: current.get(name, "") for name in ("ground_rules", "confidentiality")} if current else {}
    return _agreement_page(request, pages, program_id, current, values, notice=notice(request, pages, NOTICES))


@router.post("/lead/programs/{program_id}/agreement")
async def publish_agreement(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in ("ground_rules", "confidentiality")}
    try:
        await services.matching.put(f"/programs/{program_id}/agreement", visitor.access_token, values)
    except ServiceRefused as refused:
        if refused.status != 422:
            raise
        current = await _current_agreement(services, visitor.access_token, program_id)
        return _agreement_page(
            request, pages, program_id, current, values, refused.fields, refused.message, refused.status
        )
    return RedirectResponse(f"/lead/programs/{program_id}/agreement?done=published", status_code=303)


@router.get("/lead/programs/{program_id}/orientation/{role}")
async def guide(
    request: Request,
    program_id: str,
    role: str,
    visitor: Lead,
    pages: PagesDependency,
    services: ServicesDependency,
    language: str = "en",
) -> Response:
    _known(role, language)
    found = await services.matching.get(
        f"/programs/{program_id}/orientation/{role}", visitor.access_token, params={"language": language}
    )
    rows = [{name: section[name] for name in ("topic", "title", "body")} for section in found["sections"]]
    return _guide_page(
        request, pages, program_id, role, language, rows, found["built_in"], notice=notice(request, pages, NOTICES)
    )


@router.post("/lead/programs/{program_id}/orientation/{role}")
async def write_guide(
    request: Request, program_id: str, role: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    form = await request.form()
    language = str(form.get("language", ""))
    _known(role, language)
    rows = guide_rows(form)
    body = {"language": language, "sections": [row for row in rows if any(row.values())]}
    try:
        await services.matching.put(f"/programs/{program_id}/orientation/{role}", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status != 422:
            raise
        errors = section_errors(refused.fields, rows)
        return _guide_page(
            request, pages, program_id, role, language, rows, False, errors, refused.message, refused.status
        )
    return RedirectResponse(
        f"/lead/programs/{program_id}/orientation/{role}?language={language}&done=saved", status_code=303
    )


def guide_rows(form: Any) -> list[dict[str, str]]:
    """The form's sections in their order (`topic_0`, `title_0`, `body_0`, ...), as typed."""
    count = sum(1 for name in form if str(name).startswith("title_"))
    return [
        {part: str(form.get(f"{part}_{index}", "")).strip() for part in ("topic", "title", "body")}
        for index in range(count)
    ]


def section_errors(fields: dict[str, str], rows: list[dict[str, str]]) -> dict[str, str]:
    """Matching names a section by its place among those sent (`sections.1.title`): the form's field of that row,
    the rows left empty skipped as they were not sent."""
    sent = [index for index, row in enumerate(rows) if any(row.values())]
    errors: dict[str, str] = {}
    for location, sentence in fields.items():
        # The services' field names leave out "body" (the request's), so a section's own `body` arrives unnamed.
        parts = [*location.split("."), "body"][:3]
        if parts[0] == "sections" and parts[1].isdigit() and int(parts[1]) < len(sent):
            errors.setdefault(f"{parts[2]}_{sent[int(parts[1])]}", sentence)
        else:
            errors.setdefault("form", sentence)
    return errors


def _known(role: str, language: str) -> None:
    if role not in ROLES or language not in LANGUAGES:
        raise HTTPException(404)


async def _current_agreement(services: Any, token: str, program_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await services.matching.get(f"/programs/{program_id}/agreement", token)
    except ServiceRefused as refused:
        if refused.status != 404:
            raise
        return None
    return found


def _agreement_page(
    request: Request,
    pages: Pages,
    program_id: str,
    current: dict[str, Any] | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    return pages.render(
        request,
        "lead/agreement.html",
        status_code=status_code,
        program_id=program_id,
        current=current,
        values=values,
        errors=errors or {},
        message=message,
        notice=notice,
    )


def _guide_page(
    request: Request,
    pages: Pages,
    program_id: str,
    role: str,
    language: str,
    rows: list[dict[str, str]],
    built_in: bool,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    return pages.render(
        request,
        "lead/orientation.html",
        status_code=status_code,
        program_id=program_id,
        role=role,
        guide_language=language,
        guide_languages=LANGUAGES,
        roles=ROLES,
        rows=[*rows, *({"topic": "", "title": "", "body": ""} for _ in range(EMPTY_ROWS))],
        built_in=built_in,
        errors=errors or {},
        message=message,
        notice=notice,
    )
