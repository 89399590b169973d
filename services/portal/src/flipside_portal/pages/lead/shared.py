"""What the lead's and admin's pages share: the program's people by id (the names a lead may see), and the
sentence a page shows after a form of theirs succeeded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from ...repository import BrowserSession
from ...services import Services
from ...web import Pages


async def people_of(services: Services, visitor: BrowserSession, program_id: str) -> dict[str, dict[str, Any]]:
    """Everyone enrolled in the program, by participant id: name, role, department, status (matching's lead view)."""
    enrolment = await services.matching.get(f"/programs/{program_id}/enrolment", visitor.access_token)
    return {person["participant_id"]: person for person in enrolment["people"]}


def notice(request: Request, pages: Pages, notices: Mapping[str, str]) -> str | None:
    """`?done=<key>` after a post/redirect/get, as the page's translated notice; an unknown key shows nothing."""
    key = request.query_params.get("done", "")
    return pages.translate(request, notices[key]) if key in notices else None
