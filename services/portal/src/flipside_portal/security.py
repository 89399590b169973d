"""What every page gets on its way out, and every form on its way in: a strict content security policy and the
usual headers, and a check that a form was sent from one of the portal's own pages (CSRF).

Forms carry a token that must equal the `flipside_csrf` cookie (a signed-out visitor's check-in form as well as a
signed-in person's): another site can make a browser post, but can neither read nor set that cookie
(`SameSite=Strict`, `HttpOnly`), so its post arrives without the token and is refused with a 403 page.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "flipside_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

Refusal = Callable[[Request, str], Awaitable[Response]]


def content_security_policy(form_targets: list[str]) -> str:
    """Scripts, styles and images from the portal alone, nothing inline, no framing; forms post to the portal and
    to the issuer (sign-in and sign-out leave through it)."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self' " + " ".join(form_targets),
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", self.policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                # Survey and calendar links carry their credential in the address: never send it elsewhere.
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Cache-Control", "no-store")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CsrfProtection:
    """Hands each browser its token (cookie, and `request.state.csrf_token` for the page's forms) and refuses an
    unsafe request whose form field or header does not carry the same token."""

    def __init__(self, app: ASGIApp, refuse: Refusal, secure_cookie: bool, max_body_bytes: int) -> None:
        self.app, self.refuse, self.secure_cookie, self.max_body_bytes = app, refuse, secure_cookie, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        known = request.cookies.get(CSRF_COOKIE)
        token = known if known and len(known) >= 32 else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = token

        if scope["method"] in UNSAFE_METHODS:
            body = await _read_body(receive, self.max_body_bytes)
            if body is None:
                response = await self.refuse(request, "too_large")
                await response(scope, receive, send)
                return
            sent = request.headers.get(CSRF_HEADER) or await _form_field(scope, body, CSRF_FIELD)
            if not known or not sent or not secrets.compare_digest(sent, known):
                response = await self.refuse(request, "csrf")
                await response(scope, receive, send)
                return
            receive = _replay(body, receive)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and token != known:
                cookie: SimpleCookie = SimpleCookie()
                cookie[CSRF_COOKIE] = token
                morsel = cookie[CSRF_COOKIE]
                morsel["path"], morsel["httponly"], morsel["samesite"] = "/", True, "Strict"
                morsel["secure"] = self.secure_cookie
                MutableHeaders(scope=message).append("Set-Cookie", cookie.output(header="").strip())
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def _form_field(scope: Scope, body: bytes, name: str) -> str | None:
    content_type = Request(scope).headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        # A form with a file (an import): its fields are parts of the body, read here from the copy already taken.
        async def whole_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            async with Request(scope, whole_body).form() as form:
                value = form.get(name)
        except (MultiPartException, ValueError):
            return None
        return value if isinstance(value, str) else None
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return None
    values = parse_qs(body.decode("utf-8", errors="replace")).get(name)
    return values[0] if values else None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when it is larger than the portal takes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    """The body read for the check, once, then the connection's own messages (its disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
