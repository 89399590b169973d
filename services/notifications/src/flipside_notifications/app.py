"""The one place that wires notifications: settings, handlers, dispatcher, API, migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from flipside_shared.events import NotificationSent
from flipside_shared.service import ServiceDefinition, create_app

from .api import router
from .dispatcher import Dispatcher
from .handlers import build_handlers
from .settings import NotificationSettings

SERVICE = "notifications"


def definition(settings: NotificationSettings | None = None) -> ServiceDefinition:
    settings = settings or NotificationSettings()
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        handlers=build_handlers(),
        api=router,
        emits=(NotificationSent,),
        workers=[Dispatcher(settings).run],
    )


def app(settings: NotificationSettings | None = None) -> FastAPI:
    return create_app(definition(settings))
