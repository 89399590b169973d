"""Links sent to one person, signed with the key of the service that opens them.

They are made where the message is composed (notifications, with the opening service's
secret), never carried in events: whoever reads a topic or receives a webhook must not get
a credential of someone else's.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from .signed_tokens import sign


def survey_token(request_id: UUID, expires_at: datetime, secret: bytes) -> str:
    """Grants answering one check-in request until it expires (the expiry is signed in)."""
    return sign(request_id.bytes + int(expires_at.timestamp()).to_bytes(8, "big"), secret)


def survey_url(base_url: str, request_id: UUID, expires_at: datetime, secret: bytes) -> str:
    return f"{base_url.rstrip('/')}/surveys/{survey_token(request_id, expires_at, secret)}"


def calendar_feed_token(participant_id: UUID, secret: bytes) -> str:
    """Opens one participant's calendar feed; it does not expire."""
    return sign(participant_id.bytes, secret)


def calendar_feed_url(base_url: str, participant_id: UUID, secret: bytes) -> str:
    return f"{base_url.rstrip('/')}/calendars/{calendar_feed_token(participant_id, secret)}.ics"
