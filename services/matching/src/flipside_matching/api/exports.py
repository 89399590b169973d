"""A person's export (the right of access): ask for everything Flipside holds about you, then download it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from fastapi.responses import JSONResponse

from flipside_shared.auth.rules import require_self
from flipside_shared.dependencies import component
from flipside_shared.rate_limit import limit_per_person

from ..domain.exports import ExportRequest, Gathering
from ..personal_exports import PersonalDataExports
from .dependencies import Units
from .refusals import AnsweringRefusals

router = APIRouter(route_class=AnsweringRefusals)

# Services answer in seconds when they are up: a few seconds between asks is enough.
RETRY_AFTER_SECONDS = 5

Exports = Annotated[PersonalDataExports, Depends(component(PersonalDataExports))]


def described(request: ExportRequest) -> dict:
    return {
        "export_id": str(request.export_id),
        "participant_id": str(request.participant_id),
        "requested_at": request.requested_at.isoformat(),
        "answer_by": request.answer_by.isoformat(),
        "expires_at": request.expires_at.isoformat(),
        "download": f"/participants/{request.participant_id}/exports/{request.export_id}",
    }


@router.get("/participants/{participant_id}/exports", dependencies=[Depends(require_self())])
async def exports_of(participant_id: UUID, units: Units, exports: Exports) -> list[dict]:
    """The person's exports that have not expired, newest first."""
    async with units.begin() as uow:
        return [described(request) for request in await exports.of(uow, participant_id)]


@router.post(
    "/participants/{participant_id}/exports",
    status_code=status.HTTP_202_ACCEPTED,
    # Each request sets every service gathering and publishing: a person is counted like any other asker.
    dependencies=[Depends(require_self()), Depends(limit_per_person("exports"))],
)
async def request_export(participant_id: UUID, units: Units, exports: Exports) -> dict:
    """Ask every service for what it holds about the person. The export is assembled within `answer_by` (services
    that have not answered by then are named) and can be downloaded by the person, or an admin, until `expires_at`."""
    async with units.begin() as uow:
        request = await exports.request(uow, participant_id)
    return described(request)


@router.get("/participants/{participant_id}/exports/{export_id}", dependencies=[Depends(require_self())])
async def download_export(participant_id: UUID, export_id: UUID, units: Units, exports: Exports) -> Response:
    """The export as one JSON document, once every service has answered or the time to answer is over; until then
    202 with the services that have answered."""
    async with units.begin() as uow:
        state = await exports.download(uow, participant_id, export_id)
    if isinstance(state, Gathering):
        return JSONResponse(
            {"status": "gathering", "answered": list(state.answered), "answer_by": state.answer_by.isoformat()},
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return JSONResponse(
        state.document,
        headers={"Content-Disposition": f'attachment; filename="flipside-export-{export_id}.json"'},
    )
