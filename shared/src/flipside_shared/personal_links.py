"""Links sent to one person, signed for their purpose with the key of the service that opens them.

They are made where the message is composed (notifications, with the opening service's
secret), never carried in events: whoever reads a topic or receives a webhook must not get
a credential of someone else's. Each is a `signed_tokens` token of its own purpose, so no
kind of link opens another; the services that open them check the same payloads.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from .signed_tokens import sign

SURVEY = "survey"
CALENDAR_FEED = "calendar-feed"


def survey_token(request_id: UUID, expires_at: datetime, secret: bytes) -> str:
    """Grants answering one check-in request until it expires (the expiry is signed in)."""
    return sign(SURVEY, request_id.bytes + int(expires_at.timestamp()).to_bytes(8, "big"), secret)


def survey_url(base_url: str, request_id: UUID, expires_at: datetime, secret: bytes) -> str:
    return f"{base_url.rstrip('/')}/surveys/{survey_token(request_id, expires_at, secret)}"


def calendar_feed_token(participant_id: UUID, generation: int, secret: bytes) -> str:
    """Opens one participant's calendar feed while `generation` is their current one; it does not expire."""
    return sign(CALENDAR_FEED, participant_id.bytes + generation.to_bytes(4, "big"), secret)


def calendar_feed_url(base_url: str, participant_id: UUID, generation: int, secret: bytes) -> str:
    return f"{base_url.rstrip('/')}/calendars/{calendar_feed_token(participant_id, generation, secret)}.ics"
