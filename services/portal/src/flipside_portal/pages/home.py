"""The first page after signing in: where to go next, by what the person is in Flipside."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..dependencies import PagesDependency, Visitor

router = APIRouter()


@router.get("/")
async def home(request: Request, visitor: Visitor, pages: PagesDependency) -> Response:
    return pages.render(request, "home.html", led_programs=sorted(visitor.programs))
