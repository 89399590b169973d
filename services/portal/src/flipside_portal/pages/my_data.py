"""My data: a copy of everything Flipside holds about me, gathered from every service by matching, to download
while it lasts. The portal keeps none of it: it asks matching with the person's own token and passes the file on."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..visitors import participant_of

router = APIRouter()


@router.get("/my-data")
async def my_data_page(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    exports = await services.matching.get(f"/participants/{participant_of(visitor)}/exports", visitor.access_token)
    return pages.render(request, "join/my_data.html", exports=exports)


@router.post("/my-data/exports")
async def ask_for_my_data(visitor: Participant, services: ServicesDependency) -> Response:
    asked = await services.matching.post(f"/participants/{participant_of(visitor)}/exports", visitor.access_token)
    return RedirectResponse(f"/my-data/exports/{asked['export_id']}", status_code=303)


@router.get("/my-data/exports/{export_id}")
async def my_export(
    request: Request, export_id: UUID, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    found = await services.matching.get(
        f"/participants/{participant_of(visitor)}/exports/{export_id}", visitor.access_token
    )
    if found.get("status") == "gathering":
        return pages.render(request, "join/my_data_gathering.html", export=found)
    return JSONResponse(
        found, headers={"Content-Disposition": f'attachment; filename="flipside-export-{export_id}.json"'}
    )
