"""Signed, expiring survey links: whoever holds the link may answer that one request, until it expires.

Notifications makes them (`flipside_shared.personal_links.survey_token`) with this service's secret; feedback opens them."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from flipside_shared.personal_links import SURVEY as PURPOSE
from flipside_shared.signed_tokens import InvalidToken, unsign


class InvalidLink(ValueError):
    """Tampered with or not made by us."""


class ExpiredLink(ValueError):
    """Genuine, but past its expiry."""


def verify(token: str, secret: bytes, now: datetime) -> UUID:
    """The request id the token grants, or InvalidLink / ExpiredLink."""
    try:
        payload = unsign(PURPOSE, token, secret)
    except InvalidToken as error:
        raise InvalidLink(f"survey link: {error}") from None
    if len(payload) != 24:
        raise InvalidLink("survey link: malformed token")
    expires_at = datetime.fromtimestamp(int.from_bytes(payload[16:], "big"), UTC)
    if now >= expires_at:
        raise ExpiredLink(f"survey link expired at {expires_at.isoformat()}")
    return UUID(bytes=payload[:16])
