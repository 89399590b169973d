"""The portal with the four services behind it, on the test's own topics and database, and people already signed
in: a session row is written as the sign-in would write it, so page tests need no issuer (the sign-in itself is
tested against the development issuer in `tests/e2e/test_development_sign_in.py`).

The sandbox, the services and the portal last as long as this directory's tests (each start of five processes
costs about 25 s of two busy cores), so each module makes data of its own: a program id of its own, its own people.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from uuid import UUID

import httpx
import pytest

from flipside_devstack.auth import DEV_ISSUER, dev_issuer
from flipside_devstack.fixtures import Sandbox
from flipside_devstack.portal_pages import CSRF, Browser, save_session
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.stack import LocalStack

SERVICES = ("matching", "scheduling", "feedback", "notifications")


@pytest.fixture(scope="package")
def sandbox(stack: LocalStack) -> Sandbox:
    return Sandbox.on(stack)


@pytest.fixture(scope="package")
def backends(sandbox, tmp_path_factory) -> Iterator[dict[str, ServiceProcess]]:
    logs = tmp_path_factory.mktemp("logs")
    started: dict[str, ServiceProcess] = {}
    try:
        # Started together and then waited for: most of a start is waiting on the broker and the database.
        for name in SERVICES:
            started[name] = ServiceProcess(name, sandbox.env(FLIPSIDE_HTTP_DOCS="true"), logs).start(wait_ready=False)
        for service in started.values():
            service.wait_ready()
        yield started
    finally:
        for service in started.values():
            service.stop()


@pytest.fixture(scope="package")
def portal(sandbox, backends, tmp_path_factory) -> Iterator[ServiceProcess]:
    env = sandbox.env(
        FLIPSIDE_PORTAL_OIDC_ISSUER=DEV_ISSUER,
        # No issuer runs here: sign-ins are written directly (see `signed_in`); discovery is never asked.
        FLIPSIDE_PORTAL_OIDC_DISCOVERY_URL="http://127.0.0.1:9/.well-known/openid-configuration",
        FLIPSIDE_PORTAL_OIDC_CLIENT_ID="flipside-portal",
        FLIPSIDE_PORTAL_COOKIE_SECURE="false",
        **{f"FLIPSIDE_PORTAL_{name.upper()}_URL": service.url for name, service in backends.items()},
    )
    with ServiceProcess("portal", env, tmp_path_factory.mktemp("portal-logs")) as service:
        yield service


@pytest.fixture
def signed_in(sandbox, portal) -> Iterator:
    """`signed_in(participant_id=..., roles=[...], programs=[...], name=..., language="en")` -> a Browser."""
    opened: list[httpx.Client] = []

    def sign_in(
        participant_id: UUID | None = None,
        roles: list[str] | None = None,
        programs: list[str] | None = None,
        name: str = "Test Person",
        language: str | None = None,
        time_zone: str = "Europe/Berlin",
    ) -> Browser:
        roles = roles or (["participant"] if participant_id else ["admin"])
        subject = str(participant_id) if participant_id else f"person-{secrets.token_hex(4)}"
        token = dev_issuer().token(subject, roles, programs or [])
        secret = secrets.token_urlsafe(32)
        asyncio.run(
            save_session(sandbox.database_url, secret, subject, participant_id, name, roles, programs, token, language)
        )
        client = httpx.Client(base_url=portal.url, timeout=30, follow_redirects=False)
        client.cookies.set("flipside_session", secret)
        client.cookies.set("flipside_csrf", CSRF)
        client.cookies.set("flipside_time_zone", time_zone)
        opened.append(client)
        return Browser(client, participant_id, programs or [])

    yield sign_in
    for client in opened:
        client.close()
