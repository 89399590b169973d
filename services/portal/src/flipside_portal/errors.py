"""Every failure a person can meet, as a page in their language: never JSON, never a stack trace."""

from __future__ import annotations

from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from .services import ServiceRefused, ServiceUnavailable
from .visitors import NotAllowed, SignInRequired
from .web import Pages

log = structlog.get_logger()


def install_error_pages(app: FastAPI, pages: Pages) -> None:
    async def sign_in_first(request: Request, _: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)

    async def not_allowed(request: Request, error: Exception) -> Response:
        reason = pages.translate(request, error.reason) if isinstance(error, NotAllowed) else ""
        return pages.render(request, "error.html", status_code=403, kind="forbidden", reason=reason)

    async def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, ServiceRefused)
        if error.status == 401:
            return await sign_in_first(request, error)
        kind = {403: "forbidden", 404: "not_found"}.get(error.status, "refused")
        return pages.render(request, "error.html", status_code=error.status, kind=kind, reason=error.message)

    async def unavailable(request: Request, error: Exception) -> Response:
        service = error.service if isinstance(error, ServiceUnavailable) else ""
        log.warning("a service did not answer", service=service, path=request.url.path)
        return pages.render(request, "error.html", status_code=503, kind="unavailable", reason="")

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        kind = {403: "forbidden", 404: "not_found", 405: "not_found", 413: "too_large"}.get(status, "refused")
        return pages.render(request, "error.html", status_code=status, kind=kind, reason="")

    async def malformed(request: Request, error: Exception) -> Response:
        """An address or form FastAPI could not read into a page's parameters: a path that names nothing is the
        404 page; a form field out of bounds the refused page (no browser form of the portal's sends one)."""
        problems = error.errors() if isinstance(error, RequestValidationError) else []
        in_path = any(problem.get("loc", ("",))[0] == "path" for problem in problems)
        status, kind = (404, "not_found") if in_path else (422, "refused")
        return pages.render(request, "error.html", status_code=status, kind=kind, reason="")

    async def failure(request: Request, error: Exception) -> Response:
        log.exception("page failed", path=request.url.path)
        return pages.render(request, "error.html", status_code=500, kind="failure", reason="")

    app.add_exception_handler(SignInRequired, sign_in_first)
    app.add_exception_handler(NotAllowed, not_allowed)
    app.add_exception_handler(ServiceRefused, refused)
    app.add_exception_handler(ServiceUnavailable, unavailable)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, malformed)
    app.add_exception_handler(Exception, failure)


async def csrf_refusal(pages: Pages, request: Request, kind: str) -> Response:
    """The page for a form that did not come from the portal (or is too large to take)."""
    status = 413 if kind == "too_large" else 403
    return pages.render(request, "error.html", status_code=status, kind=kind, reason="")
