"""Importing a program's people from a CSV file: the upload, matching's preview of what each row would do with every
row's errors, then the commit of the whole file (or of nothing)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from ...dependencies import Lead, PagesDependency, ServicesDependency
from ...i18n import N_
from ...services import ServiceRefused
from ...web import Pages
from .shared import notice

router = APIRouter()

CSV = "text/csv; charset=utf-8"
NOTICES = {"imported": N_("The file is imported. The people appear in the overview within a few seconds.")}
CHANGES = {
    "enrol": N_("to enrol"),
    "update": N_("to update"),
    "unchanged": N_("unchanged"),
}


@router.get("/lead/programs/{program_id}/import")
async def upload_form(request: Request, program_id: str, visitor: Lead, pages: PagesDependency) -> Response:
    return _page(request, pages, program_id, notice=notice(request, pages, NOTICES))


@router.post("/lead/programs/{program_id}/import/preview")
async def preview(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    async with request.form() as form:
        sent = form.get("file")
        data = await sent.read() if isinstance(sent, UploadFile) else b""
    if not data.strip():
        message = pages.translate(request, "Choose a CSV file with a header row and one person a row.")
        return _page(request, pages, program_id, errors={"file": message}, status_code=422)
    try:
        plan = await services.matching.post_file(
            f"/programs/{program_id}/imports/preview", visitor.access_token, data, CSV
        )
    except ServiceRefused as refused:
        if refused.status != 422:
            raise
        return _page(request, pages, program_id, errors={"file": refused.message}, status_code=422)
    return _page(request, pages, program_id, plan=plan, csv=data.decode("utf-8-sig"))


@router.post("/lead/programs/{program_id}/import")
async def commit(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    csv = str((await request.form()).get("csv", ""))
    try:
        await services.matching.post_file(
            f"/programs/{program_id}/imports", visitor.access_token, csv.encode("utf-8"), CSV
        )
    except ServiceRefused as refused:
        if refused.status != 422:
            raise
        # The file changed between preview and commit (or a row became wrong): the plan with its errors again.
        plan = refused.answer if "errors" in refused.answer else None
        message = pages.translate(request, "Nothing was imported: the file needs another look.")
        return _page(
            request, pages, program_id, plan=plan, errors={"file": refused.message}, message=message, status_code=422
        )
    return RedirectResponse(f"/lead/programs/{program_id}/import?done=imported", status_code=303)


def _page(
    request: Request,
    pages: Pages,
    program_id: str,
    plan: dict[str, Any] | None = None,
    csv: str = "",
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    return pages.render(
        request,
        "lead/people_import.html",
        status_code=status_code,
        program_id=program_id,
        plan=plan,
        csv=csv,
        changes={change: pages.translate(request, label) for change, label in CHANGES.items()},
        errors=errors or {},
        message=message,
        notice=notice,
    )
