"""Signed, expiring survey links: whoever holds the link may answer that one request, until it expires."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from uuid import UUID


class InvalidLink(ValueError):
    """Tampered with or not made by us."""


class ExpiredLink(ValueError):
    """Genuine, but past its expiry."""


def sign(request_id: UUID, expires_at: datetime, secret: bytes) -> str:
    payload = request_id.bytes + int(expires_at.timestamp()).to_bytes(8, "big")
    return f"{_b64(payload)}.{_b64(_mac(payload, secret))}"


def verify(token: str, secret: bytes, now: datetime) -> UUID:
    """The request id the token grants, or InvalidLink / ExpiredLink."""
    try:
        encoded_payload, encoded_mac = token.split(".")
        payload, mac = _unb64(encoded_payload), _unb64(encoded_mac)
    except ValueError:
        raise InvalidLink("malformed survey link") from None
    if len(payload) != 24 or not hmac.compare_digest(mac, _mac(payload, secret)):
        raise InvalidLink("survey link signature does not match")
    expires_at = datetime.fromtimestamp(int.from_bytes(payload[16:], "big"), UTC)
    if now >= expires_at:
        raise ExpiredLink(f"survey link expired at {expires_at.isoformat()}")
    return UUID(bytes=payload[:16])


def _mac(payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
