"""A program's insights for its leads: feedback's figures (aggregates only, small groups withheld) on a portal page,
and their CSV export, fetched as the lead and handed on as a download."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...dependencies import Lead, PagesDependency, ServicesDependency

router = APIRouter()

Period = Literal["month", "week"]


@router.get("/lead/programs/{program_id}/insights")
async def insights(
    request: Request,
    program_id: str,
    visitor: Lead,
    pages: PagesDependency,
    services: ServicesDependency,
    period: Period = "month",
) -> Response:
    found = await services.feedback.get(
        f"/programs/{program_id}/insights", visitor.access_token, params={"period": period}
    )
    return pages.render(request, "lead/insights.html", program_id=program_id, insights=found)


@router.get("/lead/programs/{program_id}/insights.csv")
async def insights_csv(
    program_id: str, visitor: Lead, services: ServicesDependency, period: Period = "month"
) -> Response:
    table = await services.feedback.get(
        f"/programs/{program_id}/insights.csv", visitor.access_token, params={"period": period}
    )
    return Response(
        table,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{program_id}-insights-{period}.csv"'},
    )
