"""asyncpg queries on the `portal` schema: sign-ins under way and signed-in browsers. No program data lives here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from .oidc import SignInAttempt

SIGN_IN_LIFETIME = timedelta(minutes=10)


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True)
class BrowserSession:
    """A signed-in person as the portal knows them: who they are to the services, and the token it calls them with."""

    secret_hash: bytes
    subject: str
    participant_id: UUID | None
    name: str
    email: str | None
    roles: frozenset[str]
    programs: frozenset[str]
    access_token: str
    access_expires_at: datetime
    refresh_token: str | None
    id_token: str
    locale: str | None
    expires_at: datetime

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_lead(self) -> bool:
        return "program_lead" in self.roles or self.is_admin

    @property
    def is_participant(self) -> bool:
        return self.participant_id is not None


SESSION_COLUMNS = (
    "secret_hash, subject, participant_id, name, email, roles, programs, access_token, access_expires_at,"
    " refresh_token, id_token, locale, expires_at"
)


class PortalRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def save_attempt(self, attempt: SignInAttempt, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO sign_in_attempts (state, nonce, code_verifier, return_to, created_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            attempt.state,
            attempt.nonce,
            attempt.code_verifier,
            attempt.return_to,
            now,
        )

    async def take_attempt(self, state: str, now: datetime) -> SignInAttempt | None:
        """The attempt of this state, once: a callback replayed, or come too late, finds nothing."""
        row = await self._conn.fetchrow(
            "DELETE FROM sign_in_attempts WHERE state = $1 RETURNING nonce, code_verifier, return_to, created_at",
            state,
        )
        if row is None or row["created_at"] < now - SIGN_IN_LIFETIME:
            return None
        return SignInAttempt(state, row["nonce"], row["code_verifier"], row["return_to"])

    async def save_session(self, session: BrowserSession, now: datetime) -> None:
        await self._conn.execute(
            f"INSERT INTO browser_sessions ({SESSION_COLUMNS}, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            session.secret_hash,
            session.subject,
            session.participant_id,
            session.name,
            session.email,
            sorted(session.roles),
            sorted(session.programs),
            session.access_token,
            session.access_expires_at,
            session.refresh_token,
            session.id_token,
            session.locale,
            session.expires_at,
            now,
        )

    async def session(self, secret: str, now: datetime) -> BrowserSession | None:
        row = await self._conn.fetchrow(
            f"SELECT {SESSION_COLUMNS} FROM browser_sessions WHERE secret_hash = $1 AND expires_at > $2",
            secret_hash(secret),
            now,
        )
        if row is None:
            return None
        return BrowserSession(
            secret_hash=row["secret_hash"],
            subject=row["subject"],
            participant_id=row["participant_id"],
            name=row["name"],
            email=row["email"],
            roles=frozenset(row["roles"]),
            programs=frozenset(row["programs"]),
            access_token=row["access_token"],
            access_expires_at=row["access_expires_at"],
            refresh_token=row["refresh_token"],
            id_token=row["id_token"],
            locale=row["locale"],
            expires_at=row["expires_at"],
        )

    async def renew_tokens(
        self, session_hash: bytes, access_token: str, expires_at: datetime, refresh_token: str | None, id_token: str
    ) -> None:
        await self._conn.execute(
            "UPDATE browser_sessions SET access_token = $2, access_expires_at = $3,"
            " refresh_token = COALESCE($4, refresh_token), id_token = $5 WHERE secret_hash = $1",
            session_hash,
            access_token,
            expires_at,
            refresh_token,
            id_token,
        )

    async def choose_locale(self, session_hash: bytes, locale: str) -> None:
        await self._conn.execute("UPDATE browser_sessions SET locale = $2 WHERE secret_hash = $1", session_hash, locale)

    async def end_session(self, session_hash: bytes) -> None:
        await self._conn.execute("DELETE FROM browser_sessions WHERE secret_hash = $1", session_hash)

    async def end_sessions_of(self, participant_id: UUID) -> int:
        result = await self._conn.execute("DELETE FROM browser_sessions WHERE participant_id = $1", participant_id)
        return int(result.split()[-1])

    async def forget_expired(self, now: datetime) -> int:
        sessions = await self._conn.execute("DELETE FROM browser_sessions WHERE expires_at <= $1", now)
        attempts = await self._conn.execute(
            "DELETE FROM sign_in_attempts WHERE created_at <= $1", now - SIGN_IN_LIFETIME
        )
        return int(sessions.split()[-1]) + int(attempts.split()[-1])
