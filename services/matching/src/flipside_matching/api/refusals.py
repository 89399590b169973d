"""How the HTTP edge answers what the `Matcher` refuses: a status for each kind of refusal, and its detail."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response, status
from fastapi.routing import APIRoute

from ..domain.refusals import Conflict, Gone, Invalid, NotFound, NotTheirs, Refused, Stale

STATUS: dict[type[Refused], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    Invalid: status.HTTP_422_UNPROCESSABLE_CONTENT,
    Gone: status.HTTP_410_GONE,
    NotTheirs: status.HTTP_403_FORBIDDEN,
    Stale: status.HTTP_412_PRECONDITION_FAILED,
}


class AnsweringRefusals(APIRoute):
    """A route whose refusals are answered as HTTP errors, so routes and the `Matcher` need not translate them."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def answering(request: Request) -> Response:
            try:
                return await handle(request)
            except Refused as refusal:
                raise HTTPException(STATUS[type(refusal)], refusal.detail) from None

        return answering
