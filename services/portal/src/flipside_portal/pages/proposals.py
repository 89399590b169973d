"""Choosing a partner: suggested partners with why they fit, a proposal to one of them, and the proposals waiting
for the person's answer (accept, or decline after a confirmation) or for the other side's."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..i18n import N_
from ..mentoring import PARTNER_ROLES, PROPOSALS_NOT_TAKEN_UP, ROLES, STATES, own_pairs, own_profile, waiting_for
from ..reasons import for_page
from ..repository import BrowserSession
from ..services import ServiceRefused
from ..visitors import participant_of

router = APIRouter()

# How many suggested partners the page offers at once.
SUGGESTIONS = 5
ANSWERED = {"accept": "accepted", "decline": "declined"}
NOTICES = {
    "proposed": N_("Your proposal is sent. We will tell you when they answer."),
    "accepted": N_("You accepted. Your pair is being set up, and you will find it under My pairs."),
    "declined": N_("You declined the proposal."),
}


@router.get("/suggestions")
async def suggestions(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    return await _render_suggestions(request, visitor, pages, services)


@router.post("/suggestions")
async def propose(
    request: Request,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    program_id: Annotated[str, Form()],
    candidate_id: Annotated[str, Form()],
) -> Response:
    body = {"proposer_id": str(participant_of(visitor)), "candidate_id": candidate_id}
    try:
        await services.matching.post(f"/programs/{program_id}/proposals", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status not in (404, 409, 422, 429):
            raise
        return await _render_suggestions(request, visitor, pages, services, status_code=refused.status, refused=refused)
    return RedirectResponse("/proposals?done=proposed", status_code=303)


@router.get("/proposals")
async def proposals(
    request: Request,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    done: str | None = None,
    answered: str | None = None,
) -> Response:
    return await _render_proposals(request, visitor, pages, services, notice_key=done, answered=answered)


@router.post("/proposals/{pair_id}/accept")
async def accept(
    request: Request, pair_id: UUID, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    return await _answer(request, pair_id, "accept", visitor, pages, services, note="")


@router.post("/proposals/{pair_id}/decline")
async def decline(
    request: Request,
    pair_id: UUID,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    note: Annotated[str, Form()] = "",
) -> Response:
    return await _answer(request, pair_id, "decline", visitor, pages, services, note=note)


async def _answer(
    request: Request,
    pair_id: UUID,
    answer: str,
    visitor: BrowserSession,
    pages: PagesDependency,
    services: ServicesDependency,
    note: str,
) -> Response:
    body = {"participant_id": str(participant_of(visitor)), "note": note.strip() or None}
    try:
        await services.matching.post(f"/proposals/{pair_id}/{answer}", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status not in (409, 410, 422):
            raise
        return await _render_proposals(request, visitor, pages, services, status_code=refused.status, refused=refused)
    # Matching takes the answer up a moment later: until then the page leaves the answered proposal out.
    return RedirectResponse(f"/proposals?done={ANSWERED[answer]}&answered={pair_id}", status_code=303)


async def _render_suggestions(
    request: Request,
    visitor: BrowserSession,
    pages: PagesDependency,
    services: ServicesDependency,
    status_code: int = 200,
    refused: ServiceRefused | None = None,
) -> Response:
    enrolment = await own_profile(services, visitor)
    if enrolment is None:
        return pages.render(request, "pairs/suggestions.html", status_code=status_code, program_id=None, found=[])
    program_id = enrolment["profile"]["program_id"]
    found = await services.matching.get(
        f"/programs/{program_id}/participants/{participant_of(visitor)}/suggestions",
        visitor.access_token,
        params={"k": SUGGESTIONS},
    )
    said = for_page(pages, request)
    for candidate in found:
        candidate["reason_sentences"] = said(candidate["reasons"])
    return pages.render(
        request,
        "pairs/suggestions.html",
        status_code=status_code,
        program_id=program_id,
        found=found,
        roles=ROLES,
        message=refused.message if refused else None,
    )


async def _render_proposals(
    request: Request,
    visitor: BrowserSession,
    pages: PagesDependency,
    services: ServicesDependency,
    status_code: int = 200,
    notice_key: str | None = None,
    refused: ServiceRefused | None = None,
    answered: str | None = None,
) -> Response:
    pairs = [pair for pair in await own_pairs(services, visitor) if pair["pair_id"] != answered]
    asked, made = waiting_for(pairs, participant_of(visitor))
    translate, said = partial(pages.translate, request), for_page(pages, request)
    for proposal in (*asked, *made):
        proposal["reason_sentences"] = said(proposal["reasons"])
    return pages.render(
        request,
        "pairs/proposals.html",
        status_code=status_code,
        asked=asked,
        made=made,
        earlier=[pair for pair in pairs if pair["status"] in PROPOSALS_NOT_TAKEN_UP],
        partner_roles=PARTNER_ROLES,
        states=STATES,
        notice=translate(NOTICES[notice_key]) if notice_key in NOTICES else None,
        message=refused.message if refused else None,
    )
