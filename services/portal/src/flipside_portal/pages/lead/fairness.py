"""The fairness audit for a program's leads: who gets matched, and how well, by group, with small groups withheld
and the groups the four-fifths rule warns about named; and its CSV export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...dependencies import Lead, PagesDependency, ServicesDependency

router = APIRouter()


@router.get("/lead/programs/{program_id}/fairness")
async def fairness(
    request: Request, program_id: str, visitor: Lead, pages: PagesDependency, services: ServicesDependency
) -> Response:
    audit = await services.matching.get(f"/programs/{program_id}/fairness", visitor.access_token)
    by_dimension: dict[str, list[dict[str, object]]] = {}
    for cell in audit["cells"]:
        by_dimension.setdefault(cell["dimension"], []).append(cell)
    return pages.render(request, "lead/fairness.html", program_id=program_id, audit=audit, by_dimension=by_dimension)


@router.get("/lead/programs/{program_id}/fairness.csv")
async def fairness_csv(program_id: str, visitor: Lead, services: ServicesDependency) -> Response:
    table = await services.matching.get(
        f"/programs/{program_id}/fairness", visitor.access_token, params={"format": "csv"}
    )
    return Response(
        table,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{program_id}-fairness.csv"'},
    )
