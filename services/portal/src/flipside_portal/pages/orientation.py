"""Orientation: the short guide for the person's part in their program (mentor, mentee, or both for someone who
may be either), in their language, as the program lead wrote it or matching's built-in one."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..mentoring import own_profile
from ..web import language_of

router = APIRouter()

# Someone enrolled as "either" may be on both sides of a pair, so they read both guides.
GUIDES_FOR = {"mentor": ("mentor",), "mentee": ("mentee",), "either": ("mentor", "mentee")}


@router.get("/orientation")
async def orientation_page(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    person = await own_profile(services, visitor)
    if person is None:
        return pages.render(request, "join/not_enrolled.html")
    program_id = person["profile"]["program_id"]
    language = language_of(request).code
    guides = await asyncio.gather(
        *(
            services.matching.get(
                f"/programs/{program_id}/orientation/{role}", visitor.access_token, {"language": language}
            )
            for role in GUIDES_FOR[person["profile"]["role"]]
        )
    )
    return pages.render(request, "join/orientation.html", program_id=program_id, guides=guides)
