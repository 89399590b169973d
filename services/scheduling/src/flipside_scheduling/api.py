"""Scheduling's HTTP edge: a pair's sessions and a participant's token-protected calendar feed."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request, Response
from icalendar import Calendar, Event

from flipside_shared.signed_tokens import InvalidToken

from .domain.feeds import feed_owner
from .repository import SchedulingRepository

router = APIRouter()


@router.get("/pairs/{pair_id}/sessions")
async def pair_sessions(pair_id: UUID, request: Request) -> list[dict]:
    async with request.app.state.runtime.pool.acquire() as conn:
        return [dict(row) for row in await SchedulingRepository(conn).sessions_of_pair(pair_id)]


@router.get("/calendars/{token}.ics")
async def calendar_feed(token: str, request: Request) -> Response:
    """A participant's iCalendar feed, for calendar apps to subscribe to; the token in the address is the
    credential (it comes in each session e-mail). Session ids are stable UIDs, so updates replace."""
    runtime = request.app.state.runtime
    try:
        participant_id = feed_owner(token, runtime.settings.feed_secret.get_secret_value().encode())
    except InvalidToken:
        raise HTTPException(403, "not a valid calendar address") from None
    async with runtime.pool.acquire() as conn:
        sessions = await SchedulingRepository(conn).sessions_of_participant(participant_id)
    calendar = Calendar()
    calendar.add("prodid", "-//Flipside//reverse mentoring//EN")
    calendar.add("version", "2.0")
    for session in sessions:
        entry = Event()
        entry.add("uid", f"{session['session_id']}@flipside")
        entry.add("summary", f"Flipside {session['kind'].replace('_', '-')}")
        entry.add("dtstart", session["starts_at"])
        entry.add("dtend", session["starts_at"] + timedelta(minutes=session["duration_minutes"]))
        entry.add("dtstamp", session["starts_at"])
        entry.add("status", "CONFIRMED" if session["status"] == "scheduled" else "CANCELLED")
        calendar.add_component(entry)
    return Response(calendar.to_ical(), media_type="text/calendar")
