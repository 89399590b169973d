"""The one place that wires notifications: settings, template check, handlers, dispatcher, API, migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from flipside_shared.clock import SystemClock
from flipside_shared.events import NotificationFailed, NotificationSent, NotificationSentV1
from flipside_shared.registration import ServiceRegistration
from flipside_shared.service import ServiceDefinition, create_app

from .api import router
from .dispatcher import Dispatcher
from .domain.rendering import check_templates
from .handlers import build_handlers
from .repository import NotificationsRepository
from .settings import NotificationSettings

SERVICE = "notifications"
MIGRATIONS = Path(__file__).parent / "migrations"


def definition(settings: NotificationSettings | None = None) -> ServiceDefinition[NotificationsRepository]:
    settings = settings or NotificationSettings()
    clock = SystemClock()
    # A template that cannot render stops the deployment here, not a message at 2 am.
    check_templates(settings.default_locale)
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=MIGRATIONS,
        repository=NotificationsRepository,
        handlers=build_handlers(settings),
        api=router,
        emits=(NotificationSent, NotificationSentV1, NotificationFailed),
        workers=[Dispatcher(settings, clock).run],
        components=(settings, clock),
    )


def app(settings: NotificationSettings | None = None) -> FastAPI:
    return create_app(definition(settings))


# Named by the `flipside.services` entry point in pyproject.toml: how the launcher, the CLI and the plans find notifications.
REGISTRATION = ServiceRegistration(
    name=SERVICE, settings=NotificationSettings, definition=definition, app=app, migrations=MIGRATIONS
)
