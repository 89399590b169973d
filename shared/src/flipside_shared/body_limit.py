"""A limit on the size of every request body, declared or streamed: 413 with a `detail`, never a body in memory past it.

A `Content-Length` over the limit is answered before anything is read; a chunked body is counted as it arrives,
and the request fails at the first chunk that crosses the limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than the {max_bytes} bytes this service accepts")


class BodyLimit:
    """Pure ASGI middleware, so it sees the body as the server hands it over, chunk by chunk.

    `larger_bodies` names the paths (regular expressions matched in full) that take more, an upload of a file, with
    their own limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger_bodies: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger_bodies = [(re.compile(path), limit) for path, limit in (larger_bodies or {}).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope["path"])
        if self._declared_length(scope) > max_bytes:
            await self._refuse(scope, receive, send, max_bytes)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    # FastAPI passes an HTTPException raised while it reads the body on to its handler: a 413.
                    raise BodyTooLarge(max_bytes)
            return message

        responded = False

        async def watched(message: Message) -> None:
            nonlocal responded
            responded = responded or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if responded:
                raise
            await self._refuse(scope, receive, send, max_bytes)

    def _limit(self, path: str) -> int:
        return next((limit for pattern, limit in self.larger_bodies if pattern.fullmatch(path)), self.max_bytes)

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0  # the server refuses a malformed length before the application sees the request
        return 0

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        error = BodyTooLarge(max_bytes)
        await JSONResponse({"detail": error.detail}, status_code=error.status_code)(scope, receive, send)
