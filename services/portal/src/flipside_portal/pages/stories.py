"""Success stories: one side of a pair writes the pair's story, each side consents to sharing that text or
withdraws, and the program's people read the stories both sides of a pair agreed to share (feedback keeps them)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from flipside_shared.text import TEXT_CHARS

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..i18n import N_
from ..mentoring import PAIR_STATES, own_pairs
from ..repository import BrowserSession
from ..services import ServiceRefused, Services
from ..visitors import participant_of
from ..web import Pages

router = APIRouter()

NOTICES = {
    "written": N_("Your story is saved. The program sees it once both of you consent to this text."),
    "consented": N_("You consent to sharing this story with the program."),
    "withdrawn": N_("You withdrew your consent: the program no longer sees this story."),
}
# Feedback's refusals a person can act on from the form: the text itself, or a pair that takes no story.
FORM_REFUSALS = (403, 409, 422)


@router.get("/pairs/{pair_id}/story")
async def story_page(
    request: Request,
    pair_id: UUID,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    done: str | None = None,
) -> Response:
    notice = pages.translate(request, NOTICES[done]) if done in NOTICES else None
    return await _page(request, pages, services, visitor, pair_id, notice=notice)


@router.post("/pairs/{pair_id}/story")
async def write_story(
    request: Request,
    pair_id: UUID,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    body: Annotated[str, Form()] = "",
) -> Response:
    text = body.strip()
    error = None
    if not text:
        error = pages.translate(request, N_("Please write the story before saving it."))
    elif len(text) > TEXT_CHARS:
        error = pages.translate(request, N_("Please keep it to %(count)s characters."), count=TEXT_CHARS)
    if error:
        return await _page(request, pages, services, visitor, pair_id, draft=body, error=error, status_code=422)
    sent = {"participant_id": str(participant_of(visitor)), "body": text}
    try:
        await services.feedback.put(f"/pairs/{pair_id}/story", visitor.access_token, sent)
    except ServiceRefused as refused:
        if refused.status not in FORM_REFUSALS:
            raise
        error = refused.fields.get("body") or refused.message
        return await _page(request, pages, services, visitor, pair_id, draft=body, error=error, status_code=422)
    return RedirectResponse(f"/pairs/{pair_id}/story?done=written", status_code=303)


@router.post("/pairs/{pair_id}/story/consent")
async def consent_to_story(
    request: Request,
    pair_id: UUID,
    visitor: Participant,
    services: ServicesDependency,
    given: Annotated[str, Form()] = "",
) -> Response:
    if given not in ("yes", "no"):
        raise HTTPException(422)
    sent = {"participant_id": str(participant_of(visitor)), "given": given == "yes"}
    await services.feedback.put(f"/pairs/{pair_id}/story/consent", visitor.access_token, sent)
    done = "consented" if given == "yes" else "withdrawn"
    return RedirectResponse(f"/pairs/{pair_id}/story?done={done}", status_code=303)


@router.get("/programs/{program_id}/stories")
async def program_stories(
    request: Request, program_id: str, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    found = await services.feedback.get(f"/programs/{program_id}/stories", visitor.access_token)
    return pages.render(request, "stories/program.html", program_id=program_id, stories=found["stories"])


async def _page(
    request: Request,
    pages: Pages,
    services: Services,
    visitor: BrowserSession,
    pair_id: UUID,
    draft: str | None = None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    story = await _story(services, visitor, pair_id)
    pair = next((p for p in await own_pairs(services, visitor) if p["pair_id"] == str(pair_id)), None)
    if pair is None or pair["status"] not in PAIR_STATES:
        raise HTTPException(403)
    # The person's own side is the one their partner is not.
    mine = "mentee" if pair["partner"]["role"] == "mentor" else "mentor"
    partner = pair["partner"]["role"]
    return pages.render(
        request,
        "stories/pair.html",
        status_code=status_code,
        pair=pair,
        story=story,
        written_by_me=story is not None and story["drafted_by"] == str(participant_of(visitor)),
        i_consent=story is not None and story[f"{mine}_consents"],
        partner_consents=story is not None and story[f"{partner}_consents"],
        draft=draft if draft is not None else (story["body"] if story else ""),
        errors={"body": error} if error else {},
        message=pages.translate(request, N_("The story needs another look.")) if error else None,
        notice=notice,
    )


async def _story(services: Services, visitor: BrowserSession, pair_id: UUID) -> dict[str, Any] | None:
    """The pair's story as its two people see it (feedback refuses anyone else), or None while none is written."""
    try:
        found: dict[str, Any] = await services.feedback.get(f"/pairs/{pair_id}/story", visitor.access_token)
    except ServiceRefused as refused:
        if refused.status == 404:
            return None
        raise
    return found
