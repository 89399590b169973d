"""Who is looking at a page: the signed-in person of the session cookie (their access token renewed when it runs
out), or nobody. Routes ask for `Visitor`, `Participant`, or `Lead` (see `dependencies.py`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import Request

from flipside_shared.auth.tokens import InvalidToken, Principal, TokenVerifier
from flipside_shared.unit_of_work import UnitOfWorkFactory

from .i18n import N_
from .oidc import IssuedTokens, OpenIdClient, SignInFailed
from .repository import BrowserSession, PortalRepository, secret_hash
from .settings import PortalSettings

SESSION_COOKIE = "flipside_session"
SIGN_IN_COOKIE = "flipside_sign_in"
# Renew a little before the access token runs out, so a page's several calls all carry a live one.
RENEWAL_MARGIN = timedelta(seconds=60)


class SignInRequired(Exception):
    """No one is signed in (or their session ended): the page sends them to sign in, and back here after."""


@dataclass
class NotAllowed(Exception):
    """Signed in, but this page is not for them: a 403 page saying why."""

    reason: str


class SignIn:
    """Turns an issuer's answer into a session, and a session cookie back into the person."""

    def __init__(self, settings: PortalSettings, oidc: OpenIdClient) -> None:
        self.settings = settings
        self.oidc = oidc
        self._verifier: TokenVerifier | None = None

    def principal(self, access_token: str) -> Principal:
        """The person as the services will see them: the portal checks the token exactly as they do."""
        if self._verifier is None:
            self._verifier = TokenVerifier(self.settings.auth)
        try:
            return self._verifier.verify(access_token)
        except InvalidToken as error:
            raise SignInFailed(f"the access token is not one the services accept: {error}") from None

    def new_session(self, tokens: IssuedTokens, now: datetime) -> tuple[str, BrowserSession]:
        """A fresh cookie secret and the session it opens (only the secret's hash is stored)."""
        principal = self.principal(tokens.access_token)
        identity: dict[str, Any] = tokens.identity
        secret = secrets.token_urlsafe(32)
        session = BrowserSession(
            secret_hash=secret_hash(secret),
            subject=principal.subject,
            participant_id=principal.participant_id,
            name=str(identity.get("name") or identity.get("preferred_username") or identity.get("email") or ""),
            email=identity.get("email"),
            roles=principal.roles,
            programs=principal.programs,
            access_token=tokens.access_token,
            access_expires_at=tokens.access_expires_at,
            refresh_token=tokens.refresh_token,
            id_token=tokens.id_token,
            locale=None,
            expires_at=now + timedelta(hours=self.settings.session_hours),
        )
        return secret, session

    async def visitor(
        self, request: Request, units: UnitOfWorkFactory[PortalRepository], now: datetime
    ) -> BrowserSession | None:
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            return None
        async with units.reading() as repository:
            session = await repository.session(secret, now)
        if session is None or session.access_expires_at - RENEWAL_MARGIN > now:
            return session
        return await self._renewed(session, units, now)

    async def _renewed(
        self, session: BrowserSession, units: UnitOfWorkFactory[PortalRepository], now: datetime
    ) -> BrowserSession | None:
        """The session with a new access token; none when it cannot have one (the person signs in again)."""
        if session.refresh_token is None:
            return None if session.access_expires_at <= now else session
        try:
            tokens = await self.oidc.refresh(session.refresh_token, session.id_token)
        except SignInFailed:
            return None if session.access_expires_at <= now else session
        async with units.begin() as uow:
            await uow.repository.renew_tokens(
                session.secret_hash,
                tokens.access_token,
                tokens.access_expires_at,
                tokens.refresh_token,
                tokens.id_token,
            )
        return BrowserSession(
            **{
                **session.__dict__,
                "access_token": tokens.access_token,
                "access_expires_at": tokens.access_expires_at,
                "refresh_token": tokens.refresh_token or session.refresh_token,
                "id_token": tokens.id_token,
            }
        )


def participant_of(visitor: BrowserSession) -> UUID:
    if visitor.participant_id is None:
        raise NotAllowed(N_("This page is for participants of a program; your account is not one."))
    return visitor.participant_id


def leads(visitor: BrowserSession, program_id: str) -> bool:
    return visitor.is_admin or ("program_lead" in visitor.roles and program_id in visitor.programs)
