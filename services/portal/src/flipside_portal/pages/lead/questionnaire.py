"""The program's check-in questions: every lead sees them and may change them (a new version: check-ins already
sent keep theirs), one row per question, with empty rows to add more."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ...dependencies import Lead, PagesDependency, ServicesDependency
from ...i18n import N_
from ...services import ServiceRefused
from .shared import notice

router = APIRouter()

NOTICES = {"saved": N_("The questions are saved as a new version. Check-ins sent from now on ask them.")}
NEW_ROWS = 2
FLAGS = ("optional", "psychological_safety")


@router.get("/lead/programs/{program_id}/questionnaire")
async def questionnaire(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    current = await services.feedback.get(f"/programs/{program_id}/questionnaire", visitor.access_token)
    rows = [{**question, "remove": False} for question in current["questions"]]
    return pages.render(
        request,
        "lead/questionnaire.html",
        program_id=program_id,
        version=current["version"],
        rows=rows + [_empty_row() for _ in range(NEW_ROWS)],
        notice=notice(request, pages, NOTICES),
    )


@router.post("/lead/programs/{program_id}/questionnaire")
async def change_questionnaire(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    form = await request.form()
    rows = typed_rows({name: str(value) for name, value in form.items()})
    kept = [index for index, row in enumerate(rows) if not row["remove"] and (row["id"] or row["text"])]
    questions = [{name: value for name, value in rows[index].items() if name != "remove"} for index in kept]
    try:
        await services.feedback.put(
            f"/programs/{program_id}/questionnaire", visitor.access_token, {"questions": questions}
        )
    except ServiceRefused as refused:
        if refused.status in (401, 403, 404):
            raise
        current = await services.feedback.get(f"/programs/{program_id}/questionnaire", visitor.access_token)
        return pages.render(
            request,
            "lead/questionnaire.html",
            status_code=refused.status,
            program_id=program_id,
            version=current["version"],
            rows=rows,
            errors=row_errors(refused.fields, kept),
            message=refused.message,
        )
    return RedirectResponse(f"/lead/programs/{program_id}/questionnaire?done=saved", status_code=303)


def typed_rows(form: Mapping[str, str]) -> list[dict[str, Any]]:
    """The form's rows (`questions.<n>.<field>`), in order, as typed; checkboxes sent only when ticked."""
    count = 1 + max((int(name.split(".")[1]) for name in form if _row_field(name)), default=-1)
    rows = []
    for index in range(count):
        prefix = f"questions.{index}."
        rows.append(
            {
                "id": form.get(prefix + "id", "").strip(),
                "text": form.get(prefix + "text", "").strip(),
                "kind": form.get(prefix + "kind", "scale"),
                **{flag: prefix + flag in form for flag in FLAGS},
                "remove": prefix + "remove" in form,
            }
        )
    return rows


def row_errors(fields: Mapping[str, str], kept: list[int]) -> dict[str, str]:
    """Feedback numbers the questions it was sent; the form numbers its rows, removed and empty ones too."""
    errors: dict[str, str] = {}
    for name, sentence in fields.items():
        parts = name.split(".")
        if len(parts) >= 2 and parts[0] == "questions" and parts[1].isdigit() and int(parts[1]) < len(kept):
            parts[1] = str(kept[int(parts[1])])
            name = ".".join(parts if len(parts) > 2 else [*parts, "text"])
        errors.setdefault(name if name.startswith("questions.") else "form", sentence)
    return errors


def _row_field(name: str) -> bool:
    parts = name.split(".")
    return len(parts) == 3 and parts[0] == "questions" and parts[1].isdigit() and int(parts[1]) < 100


def _empty_row() -> dict[str, Any]:
    return {"id": "", "text": "", "kind": "scale", "optional": False, "psychological_safety": False, "remove": False}
