"""Signing in and out: to the issuer with a fresh attempt, back with its code, out through the issuer again."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

import structlog
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from ..dependencies import ClockDependency, MaybeVisitor, PagesDependency, Settings, SignInDependency, Units
from ..i18n import LANGUAGES
from ..oidc import SignInAttempt, SignInFailed
from ..visitors import SESSION_COOKIE, SIGN_IN_COOKIE
from ..web import LANGUAGE_COOKIE

log = structlog.get_logger()
router = APIRouter()


def local_path(target: str | None) -> str:
    """Where to go after signing in: a path of the portal's own, never another site (`//evil`, `https://...`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/sign-in")
async def sign_in_page(request: Request, visitor: MaybeVisitor, pages: PagesDependency, next: str = "/") -> Response:
    if visitor is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return pages.render(request, "sign_in.html", next=local_path(next))


@router.get("/auth/start")
async def start(
    settings: Settings, sign_in: SignInDependency, portal_units: Units, now: ClockDependency, next: str = "/"
) -> Response:
    attempt = SignInAttempt.start(local_path(next))
    async with portal_units.begin() as uow:
        await uow.repository.save_attempt(attempt, now.now())
    response = RedirectResponse(await sign_in.oidc.authorization_url(attempt), status_code=303)
    # Ties the callback to this browser: a code sent to someone else's browser finds no attempt there.
    response.set_cookie(
        SIGN_IN_COOKIE, attempt.state, max_age=600, httponly=True, secure=settings.cookie_secure, samesite="lax"
    )
    return response


@router.get("/auth/callback")
async def callback(
    request: Request,
    settings: Settings,
    sign_in: SignInDependency,
    portal_units: Units,
    pages: PagesDependency,
    now: ClockDependency,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    if error is not None or code is None or state is None:
        return _failed(request, pages, error or "the issuer sent no code")
    if request.cookies.get(SIGN_IN_COOKIE) != state:
        return _failed(request, pages, "this sign-in was not started in this browser")
    async with portal_units.begin() as uow:
        attempt = await uow.repository.take_attempt(state, now.now())
    if attempt is None:
        return _failed(request, pages, "this sign-in has expired or was already used")
    try:
        tokens = await sign_in.oidc.redeem(code, attempt)
        secret, session = sign_in.new_session(tokens, now.now())
    except SignInFailed as failure:
        return _failed(request, pages, str(failure))
    async with portal_units.begin() as uow:
        await uow.repository.save_session(session, now.now())
    log.info("signed in", subject=session.subject, roles=sorted(session.roles))
    response = RedirectResponse(attempt.return_to, status_code=303)
    response.delete_cookie(SIGN_IN_COOKIE)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )
    return response


def _failed(request: Request, pages: PagesDependency, reason: str) -> Response:
    log.warning("sign-in failed", reason=reason)
    return pages.render(request, "sign_in_failed.html", status_code=400)


@router.post("/sign-out")
async def sign_out(
    visitor: MaybeVisitor, settings: Settings, sign_in: SignInDependency, portal_units: Units
) -> Response:
    target = f"{settings.own_url}/signed-out"
    if visitor is not None:
        async with portal_units.begin() as uow:
            await uow.repository.end_session(visitor.secret_hash)
        # Signed out of the portal all the same when the issuer cannot be asked; its own session then runs out.
        with suppress(SignInFailed):
            target = await sign_in.oidc.sign_out_url(visitor.id_token, target) or target
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/signed-out")
async def signed_out(request: Request, visitor: MaybeVisitor, pages: PagesDependency) -> Response:
    return pages.render(request, "signed_out.html")


@router.post("/language")
async def choose_language(
    settings: Settings,
    visitor: MaybeVisitor,
    portal_units: Units,
    language: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    chosen = language if language in LANGUAGES else LANGUAGES[0]
    if visitor is not None:
        async with portal_units.begin() as uow:
            await uow.repository.choose_locale(visitor.secret_hash, chosen)
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, chosen, max_age=365 * 86400, httponly=True, secure=settings.cookie_secure, samesite="lax"
    )
    return response
