"""Tokens that carry a payload and an HMAC-SHA256 of it: links that grant one thing to whoever holds them."""

from __future__ import annotations

import base64
import hashlib
import hmac


class InvalidToken(ValueError):
    """Tampered with, truncated, or not made with our key."""


def sign(payload: bytes, secret: bytes) -> str:
    return f"{_b64(payload)}.{_b64(_mac(payload, secret))}"


def unsign(token: str, secret: bytes) -> bytes:
    """The payload, once its signature checks out."""
    try:
        encoded_payload, encoded_mac = token.split(".")
        payload, mac = _unb64(encoded_payload), _unb64(encoded_mac)
    except ValueError:
        raise InvalidToken("malformed token") from None
    if not hmac.compare_digest(mac, _mac(payload, secret)):
        raise InvalidToken("signature does not match")
    return payload


def _mac(payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
