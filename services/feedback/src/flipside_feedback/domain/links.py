"""Signed, expiring survey links: whoever holds the link may answer that one request, until it expires."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from flipside_shared.signed_tokens import InvalidToken, sign as sign_payload, unsign


PURPOSE = "survey"


class InvalidLink(ValueError):
    """Tampered with or not made by us."""


class ExpiredLink(ValueError):
    """Genuine, but past its expiry."""


def sign(request_id: UUID, expires_at: datetime, secret: bytes) -> str:
    return sign_payload(PURPOSE, request_id.bytes + int(expires_at.timestamp()).to_bytes(8, "big"), secret)


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
