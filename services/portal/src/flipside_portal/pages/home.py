"""The first page after signing in: what needs the person now (proposals to answer, the next session, a pair at
risk), and where to go next, by what they are in Flipside."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..dependencies import ClockDependency, PagesDependency, ServicesDependency, Visitor
from ..mentoring import PARTNER_ROLES, SESSION_KINDS, next_session, own_pairs, waiting_for
from ..visitors import participant_of

router = APIRouter()


@router.get("/")
async def home(
    request: Request, visitor: Visitor, pages: PagesDependency, services: ServicesDependency, clock: ClockDependency
) -> Response:
    now: dict[str, Any] = {}
    if visitor.is_participant:
        pairs = await own_pairs(services, visitor)
        asked, _made = waiting_for(pairs, participant_of(visitor))
        session = await next_session(services, visitor, pairs, clock.now())
        now = {
            "asked": asked,
            "next_session": session,
            "at_risk": [pair for pair in pairs if pair["at_risk"] and pair["status"] == "active"],
            "active": [pair for pair in pairs if pair["status"] == "active"],
        }
    return pages.render(
        request,
        "home.html",
        led_programs=sorted(visitor.programs),
        partner_roles=PARTNER_ROLES,
        session_kinds=SESSION_KINDS,
        **now,
    )
