"""A completed program's closing report: feedback's figures as tables, for its leads, its executive sponsors and
admins (feedback decides who reads it: a sponsor leads nothing, so this page does not ask for a lead)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...dependencies import PagesDependency, ServicesDependency, Visitor
from ...services import ServiceRefused
from ...visitors import leads

router = APIRouter()


@router.get("/lead/programs/{program_id}/closing-report")
async def closing_report(
    request: Request, program_id: str, visitor: Visitor, pages: PagesDependency, services: ServicesDependency
) -> Response:
    context: dict[str, Any] = {"program_id": program_id, "leads": leads(visitor, program_id)}
    try:
        report = await services.feedback.get(f"/programs/{program_id}/closing-report", visitor.access_token)
    except ServiceRefused as refused:
        if refused.status != 409:
            raise
        # Not completed (yet), or cancelled: feedback says which.
        return pages.render(
            request, "lead/closing_report.html", status_code=409, report=None, reason=refused.message, **context
        )
    program = report["program"]
    for name in ("starts_on", "ends_on"):
        program[name] = date.fromisoformat(program[name]) if program.get(name) else None
    return pages.render(request, "lead/closing_report.html", report=report, **context)
