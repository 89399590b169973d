"""A participant's mentoring as their pages show it: their pairs and proposals from matching, the sessions of their
pairs from scheduling, and the words for the states those are in."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from uuid import UUID

from .i18n import N_
from .repository import BrowserSession
from .services import ServiceRefused, Services
from .visitors import participant_of

# The pairs that were made (goals and sessions belong to them); the other states are proposals.
PAIR_STATES = ("active", "dissolved", "replaced")
PROPOSALS_NOT_TAKEN_UP = ("declined", "expired", "no_longer_possible")

STATES = {
    "active": N_("Active"),
    "proposed": N_("Proposed"),
    "dissolved": N_("Ended"),
    "replaced": N_("Replaced by a new pair"),
    "declined": N_("Declined"),
    "expired": N_("Expired"),
    "no_longer_possible": N_("No longer possible"),
}
ROLES = {"mentor": N_("Mentor"), "mentee": N_("Mentee")}
PARTNER_ROLES = {"mentor": N_("Your mentor"), "mentee": N_("Your mentee")}
SESSION_KINDS = {"kickoff": N_("Kickoff"), "check_in": N_("Regular session")}
SESSION_STATES = {"scheduled": N_("Scheduled"), "cancelled": N_("Cancelled")}


async def own_pairs(services: Services, visitor: BrowserSession) -> list[dict[str, Any]]:
    """Their pairs and proposals, newest first, as matching keeps them (`GET /participants/{id}/pairs`)."""
    found: list[dict[str, Any]] = await services.matching.get(
        f"/participants/{participant_of(visitor)}/pairs", visitor.access_token
    )
    return found


async def own_profile(services: Services, visitor: BrowserSession) -> dict[str, Any] | None:
    """Their enrolment (`profile`, `hr_owned`), or None while they are enrolled in no program."""
    try:
        found: dict[str, Any] = await services.matching.get(
            f"/participants/{participant_of(visitor)}", visitor.access_token
        )
    except ServiceRefused as refused:
        if refused.status == 404:
            return None
        raise
    return found


async def sessions_of_pair(services: Services, visitor: BrowserSession, pair_id: str) -> list[dict[str, Any]]:
    """The pair's sessions, soonest first; none while scheduling has not heard of the pair yet."""
    try:
        found: list[dict[str, Any]] = await services.scheduling.get(f"/pairs/{pair_id}/sessions", visitor.access_token)
    except ServiceRefused as refused:
        if refused.status == 404:
            return []
        raise
    return found


async def next_session(
    services: Services, visitor: BrowserSession, pairs: list[dict[str, Any]], now: datetime
) -> dict[str, Any] | None:
    """The soonest scheduled session still to come of any of their active pairs, with its `pair`."""
    active = [pair for pair in pairs if pair["status"] == "active"]
    found = await asyncio.gather(*(sessions_of_pair(services, visitor, pair["pair_id"]) for pair in active))
    coming = [
        {**session, "pair": pair}
        for pair, sessions in zip(active, found, strict=True)
        for session in sessions
        if session["status"] == "scheduled" and datetime.fromisoformat(str(session["starts_at"])) > now
    ]
    return min(coming, key=lambda session: datetime.fromisoformat(str(session["starts_at"])), default=None)


def waiting_for(pairs: list[dict[str, Any]], participant_id: UUID) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Proposals still open: those they were asked to answer, and those they made that wait for the other side."""
    open_proposals = [pair for pair in pairs if pair["status"] == "proposed"]
    asked = [pair for pair in open_proposals if pair["awaiting_me"]]
    made = [pair for pair in open_proposals if pair["proposed_by"] == str(participant_id)]
    return asked, made
