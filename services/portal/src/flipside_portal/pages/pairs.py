"""My pairs, and one pair's page: the partner, why we paired them, both sides' goals with their progress, the
pair's sessions, and the answer to a rematch offer when the pair is at risk."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any, get_args
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from flipside_shared.events.feedback import GoalCategory

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..i18n import N_
from ..mentoring import (
    PAIR_STATES,
    PARTNER_ROLES,
    ROLES,
    SESSION_KINDS,
    SESSION_STATES,
    STATES,
    own_pairs,
    sessions_of_pair,
)
from ..reasons import for_page
from ..repository import BrowserSession
from ..services import ServiceRefused, Services
from ..visitors import participant_of

router = APIRouter()

GOAL_CATEGORIES = {
    "digital": N_("Digital tools and channels"),
    "ways_of_working": N_("Ways of working"),
    "customers": N_("Customers"),
    "leadership": N_("Leadership"),
    "strategy": N_("Strategy"),
    "visibility": N_("Visibility"),
    "other": N_("Something else"),
}
assert set(GOAL_CATEGORIES) == set(get_args(GoalCategory)), "a goal category without its words"
GOAL_STATES = {"open": N_("Open"), "achieved": N_("Achieved")}
NOTICES = {
    "goal_set": N_("Your goal is set."),
    "goal_moved": N_("Your goal's progress is saved."),
    "kept": N_("You are keeping this pair. Thank you for telling us."),
    "rematch": N_("You asked for a new partner. This pair ends, and you will be matched again."),
}


@router.get("/pairs")
async def my_pairs(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    pairs = await own_pairs(services, visitor)
    said = for_page(pages, request)
    for pair in pairs:
        pair["reason_sentences"] = said(pair["reasons"])
    return pages.render(
        request,
        "pairs/list.html",
        pairs=[pair for pair in pairs if pair["status"] in PAIR_STATES],
        proposals=[pair for pair in pairs if pair["status"] == "proposed"],
        states=STATES,
        roles=ROLES,
        partner_roles=PARTNER_ROLES,
    )


@router.get("/pairs/{pair_id}")
async def pair_page(
    request: Request,
    pair_id: UUID,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    done: str | None = None,
) -> Response:
    return await _render_pair(request, pair_id, visitor, pages, services, notice_key=done)


@router.post("/pairs/{pair_id}/goals")
async def set_goal(
    request: Request,
    pair_id: UUID,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    category: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
) -> Response:
    body = {"owner_id": str(participant_of(visitor)), "category": category, "title": title.strip()}
    try:
        await services.feedback.post(f"/pairs/{pair_id}/goals", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status not in (403, 409, 422):
            raise
        return await _render_pair(
            request, pair_id, visitor, pages, services, status_code=422, refused=refused, new_goal=body
        )
    return RedirectResponse(f"/pairs/{pair_id}?done=goal_set#goals", status_code=303)


@router.post("/pairs/{pair_id}/goals/{goal_id}")
async def move_goal(
    request: Request,
    pair_id: UUID,
    goal_id: UUID,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    progress_percent: Annotated[str, Form()] = "",
) -> Response:
    body: dict[str, Any] = {"participant_id": str(participant_of(visitor)), "progress_percent": progress_percent}
    try:
        await services.feedback.patch(f"/goals/{goal_id}", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status not in (409, 422):
            raise
        return await _render_pair(
            request,
            pair_id,
            visitor,
            pages,
            services,
            status_code=422,
            refused=refused,
            moved_goal={"goal_id": str(goal_id), "progress_percent": progress_percent},
        )
    return RedirectResponse(f"/pairs/{pair_id}?done=goal_moved#goals", status_code=303)


@router.post("/pairs/{pair_id}/rematch")
async def ask_for_rematch(pair_id: UUID, visitor: Participant, services: ServicesDependency) -> Response:
    await _answer_offer(services, visitor, pair_id, "rematch")
    return RedirectResponse(f"/pairs/{pair_id}?done=rematch", status_code=303)


@router.post("/pairs/{pair_id}/keep")
async def keep_pair(pair_id: UUID, visitor: Participant, services: ServicesDependency) -> Response:
    await _answer_offer(services, visitor, pair_id, "keep")
    return RedirectResponse(f"/pairs/{pair_id}?done=kept", status_code=303)


async def _answer_offer(services: Services, visitor: BrowserSession, pair_id: UUID, answer: str) -> None:
    """The person's own answer to the rematch offer of their pair at risk (matching checks they are one of it)."""
    body = {"confirmed_by": str(participant_of(visitor))}
    await services.matching.post(f"/pairs/{pair_id}/{answer}", visitor.access_token, body)


async def _render_pair(
    request: Request,
    pair_id: UUID,
    visitor: BrowserSession,
    pages: PagesDependency,
    services: Services,
    status_code: int = 200,
    notice_key: str | None = None,
    refused: ServiceRefused | None = None,
    new_goal: dict[str, Any] | None = None,
    moved_goal: dict[str, Any] | None = None,
) -> Response:
    pair = next((pair for pair in await own_pairs(services, visitor) if pair["pair_id"] == str(pair_id)), None)
    if pair is None:
        # Not one of theirs: the service that knows the pair's people refuses (403), or knows no such pair (404).
        await services.feedback.get(f"/pairs/{pair_id}/goals", visitor.access_token)
        return pages.render(request, "error.html", status_code=404, kind="not_found", reason="")
    goals, sessions = await _goals_and_sessions(services, visitor, pair)
    me = str(participant_of(visitor))
    translate = partial(pages.translate, request)
    notice = translate(NOTICES[notice_key]) if notice_key in NOTICES else None
    return pages.render(
        request,
        "pairs/pair.html",
        status_code=status_code,
        pair=pair,
        reasons=for_page(pages, request)(pair["reasons"]),
        goals_ready=goals is not None,
        my_goals=[goal for goal in goals or [] if goal["owner_id"] == me],
        partner_goals=[goal for goal in goals or [] if goal["owner_id"] != me],
        sessions=sessions,
        states=STATES,
        roles=ROLES,
        partner_roles=PARTNER_ROLES,
        session_kinds=SESSION_KINDS,
        session_states=SESSION_STATES,
        goal_categories={category: translate(label) for category, label in GOAL_CATEGORIES.items()},
        goal_states=GOAL_STATES,
        notice=notice,
        errors=refused.fields if refused else {},
        message=refused.message if refused else None,
        new_goal=new_goal or {},
        moved_goal=moved_goal or {},
    )


async def _goals_and_sessions(
    services: Services, visitor: BrowserSession, pair: dict[str, Any]
) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """Goals (None while feedback has not heard of the pair yet) and sessions, of a pair that was made."""
    if pair["status"] not in PAIR_STATES:
        return None, []
    goals, sessions = await asyncio.gather(
        _goals(services, visitor, pair["pair_id"]), sessions_of_pair(services, visitor, pair["pair_id"])
    )
    return goals, sessions


async def _goals(services: Services, visitor: BrowserSession, pair_id: str) -> list[dict[str, Any]] | None:
    try:
        found: list[dict[str, Any]] = await services.feedback.get(f"/pairs/{pair_id}/goals", visitor.access_token)
    except ServiceRefused as refused:
        if refused.status == 404:
            return None
        raise
    return found
