"""Tokens that carry a payload and an HMAC-SHA256 of it: links that grant one thing to whoever holds them.

Each token is made for one purpose (`survey`, `unsubscribe`, `calendar-feed`): the purpose is part of what is
signed, under a key of its own derived from the secret, so a token of one kind never opens another, even where
a deployment gives every service the same secret. Tokens made before purposes existed fail their signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


class InvalidToken(ValueError):
    """Tampered with, truncated, made for another purpose, or not made with our key."""


def sign(purpose: str, payload: bytes, secret: bytes) -> str:
    return f"{_b64(payload)}.{_b64(_mac(purpose, payload, secret))}"


def unsign(purpose: str, token: str, secret: bytes) -> bytes:
    """The payload, once its signature for `purpose` checks out."""
    try:
        encoded_payload, encoded_mac = token.split(".")
        payload, mac = _unb64(encoded_payload), _unb64(encoded_mac)
    except ValueError:
        raise InvalidToken("malformed token") from None
    if not hmac.compare_digest(mac, _mac(purpose, payload, secret)):
        raise InvalidToken("signature does not match")
    return payload


def _purpose_key(purpose: str, secret: bytes) -> bytes:
    """The key of one purpose: HMAC(secret, purpose), so no two purposes share a key."""
    return hmac.new(secret, b"flipside purpose key\x00" + purpose.encode(), hashlib.sha256).digest()


def _mac(purpose: str, payload: bytes, secret: bytes) -> bytes:
    return hmac.new(_purpose_key(purpose, secret), purpose.encode() + b"\x00" + payload, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
