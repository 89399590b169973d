"""Addresses Flipside posts to: checked when they are configured, not when a message is due."""

from __future__ import annotations

from urllib.parse import urlsplit


def checked_webhook_url(url: str, allow_plain_http: bool) -> str:
    """The URL when it is one Flipside may post to; ValueError saying why otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    if parts.scheme == "http" and not allow_plain_http:
        raise ValueError("webhook URLs must use https (plain http is for local tests only)")
    if parts.username or parts.password:
        raise ValueError("put credentials in the webhook secret, not in the URL")
    return url
