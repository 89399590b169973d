"""Scheduling's HTTP edge: a pair's sessions and a participant's calendar feed."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from fastapi import APIRouter, Request, Response
from icalendar import Calendar, Event

from .repository import SchedulingRepository

router = APIRouter()


@router.get("/pairs/{pair_id}/sessions")
async def pair_sessions(pair_id: UUID, request: Request) -> list[dict]:
    async with request.app.state.runtime.pool.acquire() as conn:
        return [dict(row) for row in await SchedulingRepository(conn).sessions_of_pair(pair_id)]


@router.get("/participants/{participant_id}/sessions.ics")
async def calendar_feed(participant_id: UUID, request: Request) -> Response:
    """An iCalendar feed calendar apps can subscribe to; session ids are stable UIDs, so updates replace."""
    async with request.app.state.runtime.pool.acquire() as conn:
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
