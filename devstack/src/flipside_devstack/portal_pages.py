"""Page tests' browser without a browser: an httpx client carrying a signed-in person's cookies, whose session is
written as the portal's sign-in writes it (so no issuer is needed), and the words a page shows."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import httpx

from flipside_portal.repository import secret_hash

CSRF = "csrf-token-of-the-test-browser-000000000000"


@dataclass
class Browser:
    """An httpx client holding a signed-in person's cookies; `send` posts a form as the page would (with its token)."""

    client: httpx.Client
    participant_id: UUID | None
    programs: list[str] = field(default_factory=list)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def send(
        self, path: str, data: dict[str, str] | list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Repeated fields (checkboxes, several skills) are given as a list of pairs."""
        form = list(data.items()) if isinstance(data, dict) else list(data or [])
        body = urlencode([*form, ("csrf_token", CSRF)])
        headers = {"content-type": "application/x-www-form-urlencoded"}
        return self.client.post(path, content=body, headers=headers, **kwargs)


def page_text(response: httpx.Response) -> str:
    """The page's words without its markup, spaces collapsed: what a reader sees."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)).strip())


async def save_session(
    database_url: str,
    secret: str,
    subject: str,
    participant_id: UUID | None,
    name: str,
    roles: list[str],
    programs: list[str],
    token: str,
    language: str | None,
) -> None:
    now = datetime.now(UTC)
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "portal"})
    try:
        await conn.execute(
            "INSERT INTO browser_sessions (secret_hash, subject, participant_id, name, email, roles, programs,"
            " access_token, access_expires_at, refresh_token, id_token, locale, created_at, expires_at)"
            " VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, NULL, '', $9, $10, $11)",
            secret_hash(secret),
            subject,
            participant_id,
            name,
            roles,
            programs or [],
            token,
            now + timedelta(hours=8),
            language,
            now,
            now + timedelta(hours=8),
        )
    finally:
        await conn.close()
