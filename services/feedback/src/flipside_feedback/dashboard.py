"""Program insights for leads over HTTP: JSON, a CSV export and a dashboard page, with its scripts served from here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import FileResponse, HTMLResponse

from .dependencies import ClockDependency, LeadOrSponsor, Settings, Units
from .domain.program_figures import PeriodUnit, ProgramInsights, program_insights
from .insights_formats import csv_export, dashboard_page, document

router = APIRouter(tags=["insights"])

_STATIC = Path(__file__).parent / "static"
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
_STATIC_FILES = {path.name: path for path in _STATIC.iterdir() if path.suffix in _MEDIA_TYPES}

# The page loads scripts and styles from this service only: no CDN, and nothing inline can run.
_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
)


@router.get("/programs/{program_id}/insights", dependencies=[LeadOrSponsor])
async def insights(
    program_id: str,
    units: Units,
    settings: Settings,
    clock: ClockDependency,
    period: PeriodUnit = "month",
) -> dict[str, Any]:
    """Every figure of the program, whole and by department, grade band and period; cells under 5 people withheld."""
    return document(program_id, await _insights(program_id, units, settings, clock, period))


@router.get("/programs/{program_id}/insights.csv", dependencies=[LeadOrSponsor])
async def insights_csv(
    program_id: str,
    units: Units,
    settings: Settings,
    clock: ClockDependency,
    period: PeriodUnit = "month",
) -> Response:
    return Response(
        csv_export(await _insights(program_id, units, settings, clock, period)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="insights-{period}.csv"'},
    )


@router.get("/programs/{program_id}/dashboard", response_class=HTMLResponse, dependencies=[LeadOrSponsor])
async def dashboard(
    program_id: str,
    units: Units,
    settings: Settings,
    clock: ClockDependency,
    period: PeriodUnit = "month",
) -> HTMLResponse:
    page = dashboard_page(program_id, await _insights(program_id, units, settings, clock, period))
    return HTMLResponse(page, headers={"Content-Security-Policy": _PAGE_POLICY})


@router.get("/static/{file_name}", include_in_schema=False)
async def static_file(file_name: str) -> FileResponse:
    path = _STATIC_FILES.get(file_name)
    if path is None:
        raise HTTPException(status_code=404, detail="no such file")
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers={"Cache-Control": "public, max-age=3600"})


async def _insights(
    program_id: str,
    units: Units,
    settings: Settings,
    clock: ClockDependency,
    period: PeriodUnit,
) -> ProgramInsights:
    async with units.reading() as repository:
        if not await repository.insights.program_known(program_id):
            raise HTTPException(status_code=404, detail="no such program")
        records = await repository.insights.records(program_id)
    return program_insights(records, period, clock.now(), settings.insights_closing())
