"""The one place that wires the portal: sign-in, the services it calls as the person, pages, security, workers."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from flipside_shared.clock import SystemClock
from flipside_shared.service import ServiceDefinition, create_app

from .errors import csrf_refusal, install_error_pages
from .handlers import build_handlers
from .housekeeping import ExpiredSessions
from .oidc import OpenIdClient
from .pages import router
from .registration import MIGRATIONS, SERVICE
from .repository import PortalRepository
from .security import CsrfProtection, SecurityHeaders, content_security_policy
from .services import Services
from .settings import PortalSettings
from .visitors import SignIn
from .web import Pages

STATIC_DIR = Path(__file__).parent / "static"


def definition(settings: PortalSettings | None = None) -> ServiceDefinition[PortalRepository]:
    settings = settings or PortalSettings()
    clock = SystemClock()
    http = httpx.AsyncClient(timeout=settings.service_timeout_seconds, follow_redirects=False)
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=MIGRATIONS,
        repository=PortalRepository,
        handlers=build_handlers(),
        api=router,
        workers=[ExpiredSessions(clock).run],
        components=(settings, clock, Pages(), Services(settings, http), SignIn(settings, OpenIdClient(settings, http))),
    )


def app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    portal = definition(settings)
    pages = next(component for component in portal.components if isinstance(component, Pages))
    application = create_app(portal)
    application.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_pages(application, pages)
    application.add_middleware(
        CsrfProtection,
        refuse=partial(csrf_refusal, pages),
        secure_cookie=settings.cookie_secure,
        max_body_bytes=settings.http_max_body_bytes,
    )
    application.add_middleware(SecurityHeaders, policy=content_security_policy(settings.issuer_origins()))
    return application
