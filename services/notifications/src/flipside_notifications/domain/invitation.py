"""Calendar invitations: the session id is the UID, so an update or a cancellation replaces instead of duplicating."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from icalendar import Calendar, Event, vCalAddress


def invitation(
    session_id: str,
    starts_at: str,
    duration_minutes: int,
    summary: str,
    organizer: str,
    attendee: str,
    method: Literal["REQUEST", "CANCEL"] = "REQUEST",
    sequence: int = 0,
    location: str | None = None,
) -> bytes:
    """An iTIP message for one session: REQUEST books it (or, with a higher SEQUENCE, moves it), CANCEL
    takes it out again; scheduling counts the sequence, so the latest change wins whatever order mail arrives in."""
    start = datetime.fromisoformat(starts_at)
    calendar = Calendar()
    calendar.add("prodid", "-//Flipside//reverse mentoring//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    entry = Event()
    entry.add("uid", f"{session_id}@flipside")
    entry.add("dtstamp", start)
    entry.add("dtstart", start)
    entry.add("dtend", start + timedelta(minutes=duration_minutes))
    entry.add("summary", summary)
    entry.add("sequence", sequence)
    if location:
        entry.add("location", location)
        entry.add("url", location)
    if method == "CANCEL":
        entry.add("status", "CANCELLED")
    entry["organizer"] = vCalAddress(f"mailto:{organizer}")
    entry.add("attendee", vCalAddress(f"mailto:{attendee}"))
    calendar.add_component(entry)
    ical: bytes = calendar.to_ical()  # icalendar leaves it unannotated
    return ical
