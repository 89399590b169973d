"""My self-assessments: how confident I feel at the start of the program and at its end, so the program sees
what changed. Each can change until the period it was saved in has ended; feedback says when it no longer can."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..i18n import N_
from ..services import ServiceRefused
from ..visitors import participant_of
from .profile import ENROLMENT_ARRIVING

router = APIRouter()

PHASES = (("baseline", N_("At the start")), ("end", N_("At the end")))
DIMENSIONS = (
    ("digital_confidence", N_("How confident I am with digital tools and ways of working")),
    ("leadership_confidence", N_("How confident I am leading people")),
    ("strategic_understanding", N_("How well I understand the organisation's strategy")),
    ("cross_generational_understanding", N_("How well I understand colleagues of another generation")),
)
SCORES = ("1", "2", "3", "4", "5")
NOTICES = {"saved": N_("Your self-assessment is saved.")}


@router.get("/self-assessments")
async def self_assessments_page(
    request: Request,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    done: str | None = None,
) -> Response:
    saved = await services.feedback.get(
        f"/participants/{participant_of(visitor)}/self-assessments", visitor.access_token
    )
    notice = pages.translate(request, NOTICES[done]) if done in NOTICES else None
    return pages.render(
        request,
        "join/self_assessments.html",
        saved=_by_phase(saved),
        errors={},
        phases=PHASES,
        dimensions=DIMENSIONS,
        scores=SCORES,
        notice=notice,
    )


@router.post("/self-assessments/{phase}")
async def self_assess(
    request: Request, phase: str, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    if phase not in dict(PHASES):
        raise HTTPException(404)
    form = await request.form()
    scores = {name: int(str(form[name])) for name, _ in DIMENSIONS if str(form.get(name, "")) in SCORES}
    errors: dict[str, str] = {}
    if not scores:
        errors[phase] = pages.translate(request, "Choose a score for at least one question.")
    else:
        try:
            await services.feedback.put(
                f"/participants/{participant_of(visitor)}/self-assessments/{phase}",
                visitor.access_token,
                {"scores": scores},
            )
        except ServiceRefused as refused:
            if refused.status not in (404, 409, 422):
                raise
            errors[phase] = (
                pages.translate(request, ENROLMENT_ARRIVING)
                if refused.status == 404
                else _without_field_name(refused.message)
            )
    if not errors:
        return RedirectResponse("/self-assessments?done=saved", status_code=303)
    saved = _by_phase(
        await services.feedback.get(f"/participants/{participant_of(visitor)}/self-assessments", visitor.access_token)
    )
    saved[phase] = {**saved.get(phase, {}), "scores": scores}
    return pages.render(
        request,
        "join/self_assessments.html",
        status_code=422 if not scores else 409,
        saved=saved,
        errors=errors,
        phases=PHASES,
        dimensions=DIMENSIONS,
        scores=SCORES,
        notice=None,
    )


def _by_phase(saved: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The latest of each phase, its scores as a mapping (the service may send them as JSON text)."""
    phases: dict[str, dict[str, Any]] = {}
    for row in saved:
        scores = row.get("scores") or {}
        phases[row["phase"]] = {**row, "scores": json.loads(scores) if isinstance(scores, str) else scores}
    return phases


def _without_field_name(message: str) -> str:
    """Feedback starts a refusal about the phase with `phase: `; the page shows it next to the phase already."""
    prefix = "phase: "
    return message[len(prefix)].upper() + message[len(prefix) + 1 :] if message.lower().startswith(prefix) else message
