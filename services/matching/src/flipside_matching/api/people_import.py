"""A lead imports the people of their program from a CSV file: a preview naming every row's errors, then the commit.

The body is the file itself (`Content-Type: text/csv`), UTF-8, bounded by `FLIPSIDE_MATCHING_IMPORT_MAX_BYTES`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse

from flipside_shared.auth.rules import require_lead
from flipside_shared.dependencies import component

from ..domain.people_file import PersonRow, RowError, UnreadableFile
from ..people_import import ImportPlan, ImportRefused, PeopleImport
from ..scim_users import participant_id_of_employee
from .dependencies import Units
from .refusals import AnsweringRefusals

IMPORTS = "/programs/{program_id}/imports"
IMPORT_PATHS = r"/programs/[^/]+/imports(/preview)?"
"""The paths whose bodies are files: they take up to `import_max_bytes`."""

router = APIRouter(route_class=AnsweringRefusals, dependencies=[Depends(require_lead())])
Importer = Annotated[PeopleImport, Depends(component(PeopleImport))]


@router.post(IMPORTS + "/preview")
async def preview(program_id: str, request: Request, units: Units, importer: Importer) -> dict:
    """What importing the file would do, changing nothing: each person's change (enrol, update, unchanged) and each
    row's errors (row, column, message)."""
    data = await request.body()
    async with units.reading() as repository:
        plan = await _read(importer.preview(repository, program_id, data))
    return _answer(plan, committed=False)


@router.post(IMPORTS, response_model=None)
async def commit(program_id: str, request: Request, units: Units, importer: Importer) -> dict | JSONResponse:
    """Imports the whole file or nothing: 422 with every row's errors when a row has one."""
    data = await request.body()
    try:
        async with units.begin() as uow:
            plan = await _read(importer.commit(uow, program_id, data))
    except ImportRefused as refused:
        return JSONResponse(_answer(refused.plan, committed=False), status.HTTP_422_UNPROCESSABLE_CONTENT)
    return _answer(plan, committed=True)


async def _read(planning: Any) -> ImportPlan:
    try:
        plan: ImportPlan = await planning
    except UnreadableFile as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return plan


def _answer(plan: ImportPlan, committed: bool) -> dict:
    return {
        "committed": committed,
        "rows": plan.rows,
        "enrolled": len(plan.enrolled),
        "updated": len(plan.updated),
        "unchanged": len(plan.unchanged),
        "errors": [_error(error) for error in plan.errors],
        "people": [
            *(_person(person, "enrol") for person in plan.enrolled),
            *(_person(person, "update") for person in plan.updated),
            *(_person(person, "unchanged") for person in plan.unchanged),
        ],
    }


def _error(error: RowError) -> dict:
    return {"row": error.row, "column": error.column, "message": error.message}


def _person(person: PersonRow, change: str) -> dict:
    return {
        "row": person.row,
        "employee_id": person.employee_id,
        "participant_id": str(participant_id_of_employee(person.employee_id)),
        "change": change,
    }
